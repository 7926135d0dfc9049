import * as z from "zod";

/** The value types of settings (runtime/config.ts), and the distance that names a typo. */

/** The environment settings are read from. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Knob<T> {
  schema: z.ZodType<T>;
  fallback: (env: Env) => T;
  /** Never echo the value (webhook URLs carry a token). */
  secret?: boolean;
}

export function knob<T>(schema: z.ZodType<T>, fallback: T | ((env: Env) => T)): Knob<T> {
  return {
    schema,
    fallback: typeof fallback === "function" ? (fallback as (env: Env) => T) : () => fallback,
  };
}

export function secretKnob<T>(schema: z.ZodType<T>, fallback: T): Knob<T> {
  return { ...knob(schema, fallback), secret: true };
}

/** The local store's key (local/store-guard.ts): an access key id, letters and digits. */
export const storeKey = z.string().regex(/^[A-Za-z0-9]{16,128}$/, "expected 16-128 letters/digits");

/**
 * Settings of the programs runs start, read from the worker's environment when one starts
 * (core/child-env.ts, runtime/process-settings.ts) rather than into the Config.
 */
export const CHILD_VARIABLES = ["AMPA_CHILD_ENV_PASSTHROUGH", "AMPA_SUMMARIZE_WITH_AGENT"];

export const booleanish = z
  .string()
  .trim()
  .toLowerCase()
  .refine(
    (v) => ["1", "0", "true", "false", "yes", "no", "on", "off"].includes(v),
    "expected 1/0/true/false",
  )
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

export const positiveNumber = z.coerce.number().finite().positive();
export const nonNegativeNumber = z.coerce.number().finite().nonnegative();
export const positiveInt = z.coerce.number().int().positive();
export const port = z.coerce.number().int().min(1).max(65_535);

/**
 * A git remote for `git clone`: an https/http/ssh/git/file URL without a password, or
 * scp-like `user@host:path`. A bare path is refused (git ignores `--depth` for it: say
 * file://), and so is a password in the URL (the token belongs in SSM).
 */
export const gitRemote = z
  .string()
  .refine((v) => !/[\s\p{Cc}]/u.test(v) && !v.startsWith("-"), "no spaces or leading '-'")
  .refine(
    (v) => !v.startsWith("/"),
    "a local path: use a file:// URL (git clones local paths in full)",
  )
  .refine((v) => {
    if (/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]/.test(v)) return true;
    try {
      const url = new URL(v);
      const http = url.protocol === "https:" || url.protocol === "http:";
      if (http && url.username) return false;
      return ["https:", "http:", "ssh:", "git:", "file:"].includes(url.protocol) && !url.password;
    } catch {
      return false;
    }
  }, "expected an https, http, ssh, git or file URL without credentials, or user@host:path");

/** A branch or tag name as `git clone --branch` takes it (see git check-ref-format). */
export const gitRef = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._/-]*$/, "expected a branch or tag name")
  .refine((v) => !/\.\.|\/\/|\/\.|\.lock$|[/.]$/.test(v), "not a valid branch or tag name");

export const absolutePath = z
  .string()
  .refine((v) => v.startsWith("/"), "expected an absolute path");

/** Levenshtein distance, two rows at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known variable nearest to `name` (first of the table on a tie). */

/** A value without the quotes .env files and shell exports often put around it. */
export function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/s.exec(value);
  return quoted ? (quoted[2] ?? "").trim() : value;
}
