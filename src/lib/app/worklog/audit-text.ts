import type { WorkComment } from "./wl.js";

/**
 * Reading and writing the triage audit's text: the `# AMPA Audit Result` comment, the
 * audit's Summary section, PR links and the phrases that count as evidence. Pure.
 */

export const AUDIT_COMMENT_HEADING = "# AMPA Audit Result";
/**
 * Headings of audit comments, ours and the audit skill's own (`# Audit Result`, written by
 * `audit-bot` since mid-2026): either is an audit for the cooldowns.
 */
const AUDIT_HEADINGS = [AUDIT_COMMENT_HEADING, "# Audit Result"];
/** Linux refuses one argv element over 128 KiB; the comment must fit in one. */
const MAX_COMMENT_BYTES = 120_000;

/** Whether a comment is an audit's: its first line starts with one of AUDIT_HEADINGS. */
const isAuditComment = (text: string): boolean => {
  const first = text.trimStart().split("\n", 1)[0] ?? "";
  return AUDIT_HEADINGS.some((heading) => first.startsWith(heading));
};

/** The newest audit comment's time (epoch ms): `# AMPA Audit Result` or `# Audit Result`. */
export function lastAuditComment(comments: WorkComment[]): number | undefined {
  const times = comments
    .filter((c) => isAuditComment(c.comment))
    .map((c) => Date.parse(c.createdAt))
    .filter(Number.isFinite);
  return times.length ? Math.max(...times) : undefined;
}

/** The audit's Summary section (`## Summary`, `Summary:` or `**Summary**`), if any. */
export function extractSummary(output: string): string | undefined {
  const lines = output.split("\n");
  const start = lines.findIndex((l) =>
    /^\s*(#{1,6}\s*summary\b|\*\*summary\*\*|summary:)/i.test(l),
  );
  if (start < 0) return undefined;
  const first = (lines[start] ?? "").replace(
    /^\s*(#{1,6}\s*summary|\*\*summary\*\*|summary:)\s*:?/i,
    "",
  );
  const rest: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*#{1,6}\s/.test(line) || /^\s*\*\*[^*]+\*\*\s*$/.test(line)) break;
    rest.push(line);
  }
  const text = [first, ...rest].join("\n").trim();
  return text ? text.slice(0, 1500) : undefined;
}

export interface PullRequest {
  url: string;
  repo: string;
  number: string;
}

/** GitHub PR URLs in text: only the owner, repo and number are kept from each. */
export function findPullRequests(text: string): PullRequest[] {
  const found = new Map<string, PullRequest>();
  const re =
    /https:\/\/github\.com\/([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})\/pull\/(\d{1,10})/g;
  for (const m of text.matchAll(re)) {
    const [, owner, name, number] = m;
    if (!owner || !name || !number) continue;
    const repo = `${owner}/${name}`;
    found.set(`${repo}#${number}`, {
      url: `https://github.com/${repo}/pull/${number}`,
      repo,
      number,
    });
  }
  return [...found.values()];
}

/** The audit says the item can be closed. */
export const READY_TO_CLOSE =
  /\bready (?:to|for) (?:be )?(?:clos(?:e|ed|ing|ure)|complet(?:e|ed|ion))\b/i;
/** The audit says the PR was merged. */
export const PR_MERGED = /\bPR (?:was |has been |is )?merged\b/i;

/** The comment body, cut to the limit with a note saying so. */
export function auditComment(output: string, truncateChars: number): string {
  const body = output.trim() || "(no output)";
  let text = `${AUDIT_COMMENT_HEADING}\n\n${body}`;
  if (text.length > truncateChars || Buffer.byteLength(text) > MAX_COMMENT_BYTES) {
    const note = `\n\n… (truncated: the audit output was ${body.length} characters; the full output is in AMPA's run record)`;
    let keep = Math.max(truncateChars - note.length, 0);
    text = text.slice(0, keep);
    while (Buffer.byteLength(text) > MAX_COMMENT_BYTES - note.length * 4) {
      keep = Math.floor(keep * 0.9);
      text = text.slice(0, keep);
    }
    text += note;
  }
  return text;
}
