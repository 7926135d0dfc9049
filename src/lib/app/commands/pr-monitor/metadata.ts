import * as z from "zod";
import { isRepository } from "../../../core/github.js";

/** `pr-monitor` metadata: unknown keys pass, a known key with a bad value is refused. */
export const prMonitorMetadataSchema = z.looseObject({
  /** Open PRs looked at per run (`gh pr list --limit`). */
  max_prs: z
    .number()
    .int()
    .min(1, "must be an integer 1-500")
    .max(500, "must be an integer 1-500")
    .optional(),
  /** Passed to gh as `--repo`; without it gh uses the repository of AMPA_COMMAND_CWD. */
  repo: z.string().refine(isRepository, "must be owner/repo").optional(),
  /** Priority of the work item created for a failing PR. */
  work_item_priority: z.enum(["low", "medium", "high", "critical"]).optional(),
});
