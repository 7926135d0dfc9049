import type { AuditStore, Notify, ToolRunner } from "../../core/ports.js";
import { type DelegationResult, runLiveDelegation } from "./delegation.js";
import { describeFailure } from "./tool-failure.js";
import { isWorkItemId, type WorkComment, type WorkItem, type Worklog } from "./wl.js";

/**
 * The triage audit: pick the least recently updated in-progress (and optionally blocked)
 * item outside its cooldown, run `opencode run "/audit <id>"`, post the result, record it
 * as a `# AMPA Audit Result` comment, auto-complete on merged-PR evidence, then run live
 * delegation. Ids, titles, URLs and audit text are untrusted: argv elements only.
 */

export const AUDIT_COMMENT_HEADING = "# AMPA Audit Result";
export const AUDIT_AUTHOR = "ampa";
const HOUR = 3_600_000;
/** Linux refuses one argv element over 128 KiB; the comment must fit in one. */
const MAX_COMMENT_BYTES = 120_000;

export interface AuditSettings {
  includeBlocked: boolean;
  auditOnly: boolean;
  cooldownHours: number;
  /** Per-status overrides: keys `in_progress`, `in_review`, `blocked`. */
  cooldownHoursBy: Partial<Record<"in_progress" | "in_review" | "blocked", number>>;
  truncateChars: number;
  verifyPrWithGh: boolean;
}

const flag = (v: unknown, fallback: boolean): boolean =>
  v === true || v === "true" ? true : v === false || v === "false" ? false : fallback;
const nonNegative = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};

/** Settings from the command's metadata; unusable values fall back to the defaults. */
export function auditSettings(
  metadata: Record<string, unknown>,
  defaults: { verifyPrWithGh: boolean },
): AuditSettings {
  const by: AuditSettings["cooldownHoursBy"] = {};
  for (const key of ["in_progress", "in_review", "blocked"] as const) {
    const hours = nonNegative(metadata[`audit_cooldown_hours_${key}`]);
    if (hours !== undefined) by[key] = hours;
  }
  return {
    includeBlocked: flag(metadata.include_blocked, false),
    auditOnly: flag(metadata.audit_only, false),
    cooldownHours: nonNegative(metadata.audit_cooldown_hours) ?? 6,
    cooldownHoursBy: by,
    truncateChars: Math.max(Math.floor(nonNegative(metadata.truncate_chars) ?? 65_536), 1000),
    verifyPrWithGh: flag(metadata.verify_pr_with_gh, defaults.verifyPrWithGh),
  };
}

export function cooldownMs(item: WorkItem, s: AuditSettings): number {
  const key =
    item.stage === "in_review"
      ? "in_review"
      : item.status === "blocked"
        ? "blocked"
        : item.status === "in-progress"
          ? "in_progress"
          : undefined;
  return ((key && s.cooldownHoursBy[key]) ?? s.cooldownHours) * HOUR;
}

/** The newest `# AMPA Audit Result` comment's time (epoch ms). */
export function lastAuditComment(comments: WorkComment[]): number | undefined {
  const times = comments
    .filter((c) => c.comment.trimStart().startsWith(AUDIT_COMMENT_HEADING))
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

const READY_TO_CLOSE = /\bready (?:to|for) (?:be )?(?:clos(?:e|ed|ing|ure)|complet(?:e|ed|ion))\b/i;
const PR_MERGED = /\bPR (?:was |has been |is )?merged\b/i;

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

export interface AuditDeps {
  /** The triage-audit command running this audit (recorded with the audit time). */
  commandId: string;
  wl: Worklog;
  store: AuditStore;
  runTool: ToolRunner;
  notifier?: Notify;
  clock: () => number;
  /** cwd and timeout for opencode (the run's remaining time). */
  agent: () => { cwd: string; timeoutMs: number };
  /** cwd and timeout for gh. */
  gh: () => { cwd: string; timeoutMs: number };
}

export interface AuditOutcome {
  ok: boolean;
  /** The run's output: notes, the full audit output, the delegation note. */
  output: string;
}

interface Selection {
  item?: WorkItem;
  notes: string[];
}

async function selectCandidate(deps: AuditDeps, s: AuditSettings): Promise<Selection> {
  const { wl, store, clock } = deps;
  const notes: string[] = [];
  const found = [...(await wl.inProgress())];
  if (s.includeBlocked) found.push(...(await wl.listByStatus("blocked")));
  const unique = new Map<string, WorkItem>();
  for (const item of found) {
    if (!isWorkItemId(item.id)) {
      notes.push(
        `Skipped a work item with a malformed id ${JSON.stringify(item.id.slice(0, 80))}.`,
      );
      continue;
    }
    if (!unique.has(item.id)) unique.set(item.id, item);
  }
  const ordered = [...unique.values()].sort(
    (a, b) => (Date.parse(a.updatedAt) || 0) - (Date.parse(b.updatedAt) || 0),
  );
  for (const item of ordered) {
    const fromComments = lastAuditComment(await wl.comments(item.id));
    const fromStore = await store.getLastAudit(item.id);
    const last = Math.max(fromComments ?? -Infinity, fromStore ?? -Infinity);
    const wait = cooldownMs(item, s);
    if (Number.isFinite(last) && clock() - last < wait) {
      notes.push(`${item.id} is in its audit cooldown (${wait / HOUR} h).`);
      continue;
    }
    return { item, notes };
  }
  notes.push(
    ordered.length
      ? "Triage audit: every candidate is in its cooldown."
      : "Triage audit: no candidates.",
  );
  return { notes };
}

/** Merged-PR evidence in the audit output, as the issue defines it. */
async function mergedEvidence(
  deps: AuditDeps,
  output: string,
  s: AuditSettings,
): Promise<{ merged: boolean; note: string }> {
  const prs = findPullRequests(output);
  if (prs.length === 0) {
    return PR_MERGED.test(output)
      ? { merged: true, note: 'the audit says "PR merged"' }
      : { merged: false, note: "no merged-PR evidence" };
  }
  if (!s.verifyPrWithGh) {
    return /\bmerged\b/i.test(output)
      ? { merged: true, note: `${prs[0]?.url} reported merged (not verified with gh)` }
      : { merged: false, note: "a PR is mentioned but not reported merged" };
  }
  for (const pr of prs) {
    const result = await deps.runTool(
      "gh",
      ["pr", "view", pr.number, "--repo", pr.repo, "--json", "merged"],
      deps.gh(),
    );
    if (result.exitCode !== 0) {
      if (result.missing) return { merged: false, note: "gh is not on PATH: PR not verified" };
      continue;
    }
    try {
      if ((JSON.parse(result.stdout) as { merged?: unknown }).merged === true)
        return { merged: true, note: `gh confirms ${pr.url} is merged` };
    } catch {
      // Not JSON: not verified.
    }
  }
  return { merged: false, note: "gh did not confirm a merged PR" };
}

/**
 * One triage audit. A wl failure before the audit ends the run (outcome not ok, no
 * post); failures after it are reported in the post and the run's output.
 */
export async function runTriageAudit(deps: AuditDeps, s: AuditSettings): Promise<AuditOutcome> {
  const { wl, notifier, clock } = deps;
  const lines: string[] = [];
  let ok = true;
  const selection = await selectCandidate(deps, s);
  lines.push(...selection.notes);
  const item = selection.item;
  if (!item) {
    const live = await delegate(deps, s);
    return { ok: live.ok, output: [...lines, live.note].join("\n") };
  }
  const title = item.title || item.id;
  const audit = await deps.runTool("opencode", ["run", `/audit ${item.id}`], deps.agent());
  const audited = audit.exitCode === 0;
  const output = audited ? audit.stdout.trim() : `${audit.stdout}\n${audit.stderr}`.trim();
  lines.push(`Audited ${item.id}: ${audited ? "ok" : describeFailure(audit)}`, "", output, "");
  let details: Awaited<ReturnType<Worklog["show"]>> | undefined;
  try {
    details = await wl.show(item.id, { children: true });
  } catch (err) {
    lines.push(`Could not read ${item.id}: ${(err as Error).message}`);
  }
  let completed = false;
  if (audited) {
    await deps.store.recordAudit(item.id, clock(), deps.commandId);
    try {
      await wl.addComment(item.id, auditComment(output, s.truncateChars), AUDIT_AUTHOR);
      lines.push(`Added the ${AUDIT_COMMENT_HEADING} comment to ${item.id}.`);
    } catch (err) {
      ok = false;
      lines.push(`Could not comment on ${item.id}: ${(err as Error).message}`);
    }
    if (!s.auditOnly) {
      const evidence = await mergedEvidence(deps, output, s);
      const openChildren = details?.children.filter(
        (c) => c.status !== "completed" && c.status !== "deleted",
      );
      const childrenDone = openChildren ? openChildren.length === 0 : false;
      const readyPhrase = READY_TO_CLOSE.test(output);
      if (evidence.merged && (childrenDone || readyPhrase)) {
        try {
          await wl.update(item.id, "completed", "in_review");
          completed = true;
          lines.push(`Auto-completed ${item.id}: ${evidence.note}.`);
        } catch (err) {
          ok = false;
          lines.push(`Could not complete ${item.id}: ${(err as Error).message}`);
        }
      } else {
        const why = !evidence.merged
          ? evidence.note
          : openChildren
            ? `${openChildren.length} open child item(s)`
            : "its children could not be read";
        lines.push(`Not auto-completed: ${why}.`);
      }
    }
  } else {
    ok = false;
  }
  const live = await delegate(deps, s);
  if (!live.ok) ok = false;
  lines.push(live.note);

  if (notifier) {
    const summary = audited ? extractSummary(output) : undefined;
    const sources = [
      details?.item.description ?? item.description,
      ...(details?.comments ?? []).map((c) => c.comment),
    ];
    const pr = findPullRequests(sources.join("\n"))[0];
    const body = [
      `# Triage Audit — ${title}`,
      "",
      summary ??
        `${item.id} — ${title} | exit=${audit.exitCode ?? (audit.timedOut ? "timeout" : "none")}`,
      "",
      live.note,
      ...(pr ? ["", `PR: ${pr.url}`] : []),
    ];
    const sent = await notifier.send("audit", body.join("\n"));
    if (!sent.delivered) lines.push("The Triage Audit message was not delivered (dead letter).");
    if (completed) {
      const done = await notifier.send(
        "audit",
        `# Audit Completed — ${title}\n\n${item.id} was marked completed (stage in_review).`,
      );
      if (!done.delivered)
        lines.push("The Audit Completed message was not delivered (dead letter).");
    }
  }
  return { ok, output: lines.join("\n").trim() };
}

function delegate(deps: AuditDeps, s: AuditSettings): Promise<DelegationResult> {
  return runLiveDelegation(
    { wl: deps.wl, runTool: deps.runTool, opencode: deps.agent },
    { auditOnly: s.auditOnly },
  );
}
