import * as z from "zod";

import { switchSchema } from "../../../core/command-metadata.js";

const hours = z.number().nonnegative("must be a number of hours, at least 0");

/**
 * `review-audit` metadata. Unknown keys pass (an import from the Python daemon carries
 * keys we do not use); a known key with a bad value is refused by `ampa add`/`update`, and
 * a runner reading a stored one falls back to the key's default (metadataSettings).
 */
export const reviewAuditMetadataSchema = z.looseObject({
  /**
   * Hours before the same item is audited again (upstream reads this key only). An AMPA
   * command may set `_in_review` to override it; `ampa import` drops that key, which
   * upstream never read.
   */
  audit_cooldown_hours_in_review: hours.optional(),
  audit_cooldown_hours: hours.optional(),
  /** Comment and post only: never move the item (on: true, 1, yes, y, on). */
  audit_only: switchSchema.optional(),
  truncate_chars: z.number().int().min(1000, "must be an integer of at least 1000").optional(),
});
