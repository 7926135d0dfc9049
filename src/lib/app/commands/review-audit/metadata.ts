import * as z from "zod";

const hours = z.number().nonnegative("must be a number of hours, at least 0");
const flag = z.boolean("must be true or false");

/**
 * `review-audit` metadata. Unknown keys pass (an import from the Python daemon carries
 * keys we do not use); a known key with a bad value is refused by `ampa add`/`update`, and
 * a runner reading a stored one falls back to the key's default (metadataSettings).
 */
export const reviewAuditMetadataSchema = z.looseObject({
  /** Hours before the same item is audited again; `_in_review` wins (upstream's key). */
  audit_cooldown_hours_in_review: hours.optional(),
  audit_cooldown_hours: hours.optional(),
  /** Comment and post only: never move the item. */
  audit_only: flag.optional(),
  truncate_chars: z.number().int().min(1000, "must be an integer of at least 1000").optional(),
});
