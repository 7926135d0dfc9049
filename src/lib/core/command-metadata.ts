import * as z from "zod";
import type { CommandType } from "./command.js";

/**
 * Metadata settings of the `review-audit` and `pr-monitor` types. Unknown keys pass (an
 * import from the Python daemon carries keys we do not use); a known key with a bad value
 * is refused by `ampa add`/`update`, and a runner reading a stored one falls back to the
 * key's default (metadataSettings).
 */

const hours = z.number().nonnegative("must be a number of hours, at least 0");
const flag = z.boolean("must be true or false");

export const reviewAuditMetadataSchema = z.looseObject({
  /** Hours before the same item is audited again; `_in_review` wins (upstream's key). */
  audit_cooldown_hours_in_review: hours.optional(),
  audit_cooldown_hours: hours.optional(),
  /** Comment and post only: never move the item. */
  audit_only: flag.optional(),
  truncate_chars: z.number().int().min(1000, "must be an integer of at least 1000").optional(),
});

/** `owner/repo`: a GitHub repository name, never an option or a path. */
const REPO = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

export const prMonitorMetadataSchema = z.looseObject({
  /** Open PRs looked at per run (`gh pr list --limit`). */
  max_prs: z
    .number()
    .int()
    .min(1, "must be an integer 1-500")
    .max(500, "must be an integer 1-500")
    .optional(),
  /** Passed to gh as `--repo`; without it gh uses the repository of AMPA_COMMAND_CWD. */
  repo: z.string().regex(REPO, "must be owner/repo").optional(),
  /** Priority of the work item created for a failing PR. */
  work_item_priority: z.enum(["low", "medium", "high", "critical"]).optional(),
});

/** `shell` metadata: whether the command gets the worker's AWS credentials (core/child-env.ts). */
export const shellMetadataSchema = z.looseObject({ inherit_aws_credentials: flag.optional() });

/** Every other type runs agents or Worklog on untrusted text: the key is refused there. */
const noAwsCredentials = z.looseObject({
  inherit_aws_credentials: z
    .undefined("only a shell command may inherit the worker's AWS credentials")
    .optional(),
});

const SCHEMAS: Partial<Record<CommandType, z.ZodType<Record<string, unknown>>>> = {
  shell: shellMetadataSchema,
  "review-audit": reviewAuditMetadataSchema,
  "pr-monitor": prMonitorMetadataSchema,
};

/** `post_unchanged` applies to every type. */
const postUnchanged = z.looseObject({ post_unchanged: flag.optional() });

/** The first problem with a command's metadata for its type, as `key: message`. */
export function typeMetadataProblem(
  type: CommandType,
  metadata: Record<string, unknown>,
): string | undefined {
  const credentials = type === "shell" ? undefined : noAwsCredentials;
  for (const schema of [postUnchanged, credentials, SCHEMAS[type]]) {
    const issue = schema?.safeParse(metadata).error?.issues[0];
    if (issue) return `${issue.path.join(".")}: ${issue.message}`;
  }
  return undefined;
}

/**
 * Settings read from stored metadata: each key that parses, the others dropped (so the
 * caller's default applies) and named in `ignored`.
 */
export function metadataSettings<T extends z.ZodObject>(
  schema: T,
  metadata: Record<string, unknown>,
): { settings: Partial<z.infer<T>>; ignored: string[] } {
  const settings: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    if (metadata[key] === undefined) continue;
    const parsed = (field as z.ZodType).safeParse(metadata[key]);
    if (parsed.success) settings[key] = parsed.data;
    else ignored.push(`${key} (${parsed.error.issues[0]?.message ?? "invalid"})`);
  }
  return { settings: settings as Partial<z.infer<T>>, ignored };
}
