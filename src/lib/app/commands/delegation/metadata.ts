import * as z from "zod";

/** The stages live delegation can dispatch (stage → action in app/worklog/delegation.ts). */
export const DELEGABLE_STAGES = ["idea", "intake_complete", "plan_complete"] as const;
export type DelegableStage = (typeof DELEGABLE_STAGES)[number];

/** A claim older than this no longer holds the item (delegation and the watchdog). */
export const staleMinutesSchema = z
  .number()
  .int("must be a positive integer")
  .positive("must be a positive integer")
  .max(525_600, "must be at most 525600 (one year)");

/**
 * The delegation invariants a `delegation` command can tune (all on by default): strict,
 * so a misspelt check is an error rather than a check silently left on.
 */
export const delegationChecksSchema = z.strictObject({
  /** `context`: the description has at least this many characters (0 turns it off). */
  min_description_chars: z.number().int("must be an integer").min(0).max(1_000_000).optional(),
  /** `acceptance_criteria`: the description has acceptance criteria or a checklist. */
  acceptance_criteria: z.boolean().optional(),
  /** `do_not_delegate`: the item carries no `do-not-delegate` tag. */
  do_not_delegate: z.boolean().optional(),
  /** `dependencies`: the item is not blocked and depends on no open item. */
  dependencies: z.boolean().optional(),
  /** `nothing_in_progress`: no item is in progress or claimed (one delegation at a time). */
  nothing_in_progress: z.boolean().optional(),
});
export type DelegationChecksMetadata = z.infer<typeof delegationChecksSchema>;

/** `delegation` metadata; other keys (`audit_only`, `discord_label`, …) pass through. */
export const delegationMetadataSchema = z.looseObject({
  /** Only these stages are delegated (a stage runner: intake, planning, implementation). */
  stages: z.array(z.enum(DELEGABLE_STAGES)).min(1, "must list at least one stage").optional(),
  checks: delegationChecksSchema.optional(),
  stale_after_minutes: staleMinutesSchema.optional(),
  /**
   * Dispatches of one item (at one stage, for one action) that may end without moving it;
   * after the last, the item is escalated to a person (app/worklog/attempts.ts). Default 3.
   */
  max_attempts: z
    .number()
    .int("must be a positive integer")
    .positive("must be a positive integer")
    .max(100, "must be at most 100")
    .optional(),
});
