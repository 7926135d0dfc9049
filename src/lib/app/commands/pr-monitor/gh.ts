import * as z from "zod";
import type { ToolOptions, ToolRunner } from "../../../core/ports.js";
import { describeFailure } from "../../worklog/tool-failure.js";

/**
 * The two `gh` calls of the PR monitor, with their output validated: everything gh prints
 * (titles, branch names, check names, URLs) is untrusted data, read through these schemas
 * and passed on only as argv elements or cleaned text.
 */

export const PR_FIELDS = "number,title,url,headRefName,headRefOid";
export const CHECK_FIELDS = "name,bucket,state,link";

export class GhError extends Error {
  override readonly name = "GhError";
}

/** One line of at most `max` characters: control characters and newlines become spaces. */
export function oneLine(text: string, max: number): string {
  const flat = text
    // \p{C}: control, format (bidi overrides) and unassigned characters.
    .replace(/[\p{C}\u2028\u2029]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const pullRequestSchema = z.object({
  number: z.number().int().positive().max(2_147_483_647),
  title: z.string().transform((t) => oneLine(t, 200)),
  // Shown only when it is a plain https URL.
  url: z
    .string()
    .catch("")
    .transform((u) => (/^https:\/\/[^\s<>()]{1,500}$/.test(u) ? u : "")),
  headRefName: z
    .string()
    .catch("")
    .transform((b) => oneLine(b, 200)),
  headRefOid: z.string().regex(/^[0-9a-f]{7,64}$/i, "must be a commit SHA"),
});
export type PullRequest = z.infer<typeof pullRequestSchema>;

const checkSchema = z.object({
  name: z
    .string()
    .catch("(unnamed)")
    .transform((n) => oneLine(n, 120) || "(unnamed)"),
  bucket: z.enum(["pass", "fail", "pending", "skipping", "cancel"]).catch("pending"),
});
export type Check = z.infer<typeof checkSchema>;

function parseJson(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** Open PRs; entries that do not validate are skipped and counted in `invalid`. */
export async function listOpenPullRequests(
  run: ToolRunner,
  opts: ToolOptions,
  { limit, repo }: { limit: number; repo?: string | undefined },
): Promise<{ prs: PullRequest[]; invalid: number }> {
  const args = ["pr", "list", "--state", "open", "--json", PR_FIELDS, "--limit", String(limit)];
  const result = await run("gh", [...args, ...(repo ? ["--repo", repo] : [])], opts);
  if (result.exitCode !== 0) throw new GhError(describeFailure(result, opts.timeoutMs));
  const json = parseJson(result.stdout);
  if (!Array.isArray(json))
    throw new GhError(
      `gh pr list did not return a JSON list: ${JSON.stringify(result.stdout.slice(0, 80))}`,
    );
  const prs: PullRequest[] = [];
  for (const entry of json.slice(0, limit)) {
    const parsed = pullRequestSchema.safeParse(entry);
    if (parsed.success) prs.push(parsed.data);
  }
  return { prs, invalid: Math.min(json.length, limit) - prs.length };
}

/**
 * A PR's checks. gh exits 1 when a check fails and 8 while checks are pending, with the
 * JSON on stdout either way; with no checks it prints "no checks reported" on stderr.
 */
export async function pullRequestChecks(
  run: ToolRunner,
  opts: ToolOptions,
  { number, repo }: { number: number; repo?: string | undefined },
): Promise<Check[]> {
  const args = ["pr", "checks", String(number), "--json", CHECK_FIELDS];
  const result = await run("gh", [...args, ...(repo ? ["--repo", repo] : [])], opts);
  const json = result.missing || result.timedOut ? undefined : parseJson(result.stdout);
  if (Array.isArray(json))
    return json.flatMap((c) => {
      const parsed = checkSchema.safeParse(c);
      return parsed.success ? [parsed.data] : [];
    });
  if (result.exitCode !== undefined && /no checks reported/i.test(result.stderr)) return [];
  throw new GhError(describeFailure(result, opts.timeoutMs));
}
