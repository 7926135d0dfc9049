import * as z from "zod";

/**
 * Checking a command's metadata, whatever its type: each type's own keys are in its
 * module (app/commands/<type>/). Unknown keys pass (an import from the Python daemon
 * carries keys we do not use); a known key with a bad value is refused by
 * `ampa add`/`update`, and a runner reading a stored one falls back to the key's default
 * (metadataSettings).
 */

const flag = z.boolean("must be true or false");

/** What upstream AMPA reads as on (`_bool_meta`): any case, surrounding spaces ignored. */
const ON_FORMS: ReadonlySet<string> = new Set(["1", "true", "yes", "y", "on"]);

/**
 * A switch in metadata as upstream AMPA reads it, so an imported store means what it
 * meant: true, or 1 / "true" / "yes" / "y" / "on" in any case; everything else is off.
 */
export const switchedOn = (value: unknown): boolean =>
  value === true ||
  ((typeof value === "string" || typeof value === "number") &&
    ON_FORMS.has(String(value).trim().toLowerCase()));

/** A switch's value as metadata may hold it (see switchedOn). */
export const switchSchema = z.union(
  [z.boolean(), z.string(), z.number()],
  "must be true or false (or 1/0, yes/no, y/n, on/off)",
);

/**
 * Whether a delegation dispatches nothing: upstream's `auto_assign_enabled`, when present,
 * decides (off: audit only); otherwise `audit_only`.
 */
export const delegationAuditOnly = (metadata: Record<string, unknown>): boolean =>
  "auto_assign_enabled" in metadata
    ? !switchedOn(metadata.auto_assign_enabled)
    : switchedOn(metadata.audit_only);

/** `post_unchanged` applies to every type. */
export const postUnchangedSchema = z.looseObject({ post_unchanged: flag.optional() });

/** Types that run agents or Worklog on untrusted text refuse the key. */
export const noAwsCredentialsSchema = z.looseObject({
  inherit_aws_credentials: z
    .undefined("only a shell command may inherit the worker's AWS credentials")
    .optional(),
});

/** The first problem `schema` finds in `metadata`, as `key: message`. */
export function firstIssue(
  schema: z.ZodType,
  metadata: Record<string, unknown>,
): string | undefined {
  const issue = schema.safeParse(metadata).error?.issues[0];
  return issue && `${issue.path.join(".")}: ${issue.message}`;
}

/** Every problem `schema` finds in `metadata`, each as `metadata.key: message`. */
export function everyIssue(
  schema: z.ZodType,
  metadata: Record<string, unknown>,
): string | undefined {
  const parsed = schema.safeParse(metadata);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .map((i) => `metadata.${i.path.map(String).join(".")}: ${i.message}`)
    .join("; ");
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
