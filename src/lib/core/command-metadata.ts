import * as z from "zod";

/**
 * Checking a command's metadata, whatever its type: each type's own keys are in its
 * module (app/commands/<type>/). Unknown keys pass (an import from the Python daemon
 * carries keys we do not use); a known key with a bad value is refused by
 * `ampa add`/`update`, and a runner reading a stored one falls back to the key's default
 * (metadataSettings).
 */

const flag = z.boolean("must be true or false");

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
