import type { AuditStore, DispatchStore, Notify, ToolRunner } from "../../core/ports.js";
import type { AgentRun, AgentRunner } from "../agents/run.js";
import { switchedOn } from "../../core/command-metadata.js";
import { postableText } from "../../core/untrusted-text.js";
import {
  AUDIT_CLOSED_TAG,
  closeWithAudit,
  keepAudit,
  lastAuditAt,
  recordAuditTime,
  storedAudit,
} from "./audit-outcome.js";
import { mergedEvidence } from "./audit-evidence.js";
import { extractSummary, findPullRequests, READY_TO_CLOSE } from "./audit-text.js";
import { auditVerdict } from "./audit-verdict.js";
import type { ClaimContext } from "./claim.js";
import { type DelegationResult, runLiveDelegation } from "./delegation.js";
import { auditPrompt } from "./prompts.js";
import { describeAgentFailure } from "./tool-failure.js";
import { isWorkItemId, type StoredAudit, type WorkItem, type Worklog } from "./wl.js";

/**
 * The triage audit: pick the least recently updated in-progress (and optionally blocked)
 * item outside its cooldown, run `/audit <id>` with the command's agent, post the result, keep the
 * audit (audit-outcome.ts), close it for producer review on merged-PR evidence, then run
 * live delegation. Its items are work in progress: a failed audit there means "not done
 * yet" and moves nothing. Ids, titles, URLs and audit text are untrusted: argv elements only.
 */

const HOUR = 3_600_000;

export interface AuditSettings {
  includeBlocked: boolean;
  auditOnly: boolean;
  cooldownHours: number;
  /**
   * Per-status overrides: keys `in_progress`, `blocked`. There is no `in_review` key: Worklog
   * allows stage in_review only with status completed, and candidates are in-progress or
   * blocked, so it could never apply (`audit_cooldown_hours_in_review` is ignored).
   */
  cooldownHoursBy: Partial<Record<"in_progress" | "blocked", number>>;
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
  for (const key of ["in_progress", "blocked"] as const) {
    const hours = nonNegative(metadata[`audit_cooldown_hours_${key}`]);
    if (hours !== undefined) by[key] = hours;
  }
  return {
    includeBlocked: flag(metadata.include_blocked, false),
    auditOnly: switchedOn(metadata.audit_only),
    cooldownHours: nonNegative(metadata.audit_cooldown_hours) ?? 6,
    cooldownHoursBy: by,
    truncateChars: Math.max(Math.floor(nonNegative(metadata.truncate_chars) ?? 65_536), 1000),
    verifyPrWithGh: flag(metadata.verify_pr_with_gh, defaults.verifyPrWithGh),
  };
}

export function cooldownMs(item: WorkItem, s: AuditSettings): number {
  const key =
    item.status === "blocked"
      ? "blocked"
      : item.status === "in-progress"
        ? "in_progress"
        : undefined;
  return ((key && s.cooldownHoursBy[key]) ?? s.cooldownHours) * HOUR;
}

/**
 * What an audit of one work item needs, the triage audit's and the review audit's alike:
 * the agent's `/audit` run, its time on record, its comment on the item, and a post.
 */
export interface ItemAuditDeps {
  /** The command running this audit (recorded with the audit time). */
  commandId: string;
  wl: Worklog;
  store: AuditStore;
  runTool: ToolRunner;
  notifier?: Notify;
  clock: () => number;
  /** The command's agent (agents/run.ts), for the run's remaining time. */
  agent: AgentRunner;
}

export interface AuditDeps extends ItemAuditDeps {
  /** cwd and timeout for gh. */
  gh: () => { cwd: string; timeoutMs: number };
  /** Who claims the item live delegation dispatches, and where the claim is recorded. */
  claim?: ClaimContext;
  dispatchStore?: DispatchStore;
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
  const { wl, clock } = deps;
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
    const last = await lastAuditAt(deps, item);
    const wait = cooldownMs(item, s);
    if (last !== undefined && clock() - last < wait) {
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

/**
 * One triage audit. A wl failure before the audit ends the run (outcome not ok, no
 * post); failures after it are reported in the post and the run's output.
 */
export async function runTriageAudit(deps: AuditDeps, s: AuditSettings): Promise<AuditOutcome> {
  const selection = await selectCandidate(deps, s);
  const item = selection.item;
  if (!item) {
    const live = await delegate(deps, s);
    return { ok: live.ok, output: [...selection.notes, live.note].join("\n") };
  }
  const report: Report = { lines: [...selection.notes], ok: true };
  const audit = await auditItem(deps, item, report);
  const details = await readDetails(deps.wl, item, report);
  const completed = audit.audited
    ? await recordAuditAndComplete(
        deps,
        s,
        { item, output: audit.output, details, before: audit.before },
        report,
      )
    : false;
  const live = await delegate(deps, s);
  if (!live.ok) report.ok = false;
  report.lines.push(live.note);
  if (deps.notifier)
    await postAudit(
      deps.notifier,
      { item, audit, details, liveNote: live.note, completed },
      report,
    );
  return { ok: report.ok, output: report.lines.join("\n").trim() };
}

/** The run's output so far, and whether every step went well. */
interface Report {
  lines: string[];
  ok: boolean;
}

interface Audit {
  run: AgentRun;
  audited: boolean;
  /** The audit's output (with its stderr when it failed). */
  output: string;
  /** The audit wl kept for the item before this one (where it keeps audits). */
  before: StoredAudit | undefined;
}

type ItemDetails = Awaited<ReturnType<Worklog["show"]>>;

/** The agent's `/audit <id>`; a failed audit makes the run not ok. */
async function auditItem(deps: AuditDeps, item: WorkItem, report: Report): Promise<Audit> {
  const before = await storedAudit(deps.wl, item.id);
  const run = await deps.agent(auditPrompt(item.id));
  const audited = run.result.ok;
  // The audit is the agent's final message (the whole stdout of a plain-text agent).
  const output = audited
    ? run.result.finalText
    : `${run.result.finalText}\n${run.tool.stderr}`.trim();
  report.lines.push(
    `Audited ${item.id}: ${audited ? "ok" : describeAgentFailure(run)}`,
    "",
    output,
    "",
  );
  if (!audited) report.ok = false;
  return { run, audited, output, before };
}

/** The item with its children and comments, or undefined (noted) when wl cannot show it. */
async function readDetails(
  wl: Worklog,
  item: WorkItem,
  report: Report,
): Promise<ItemDetails | undefined> {
  try {
    return await wl.show(item.id, { children: true });
  } catch (err) {
    report.lines.push(`Could not read ${item.id}: ${(err as Error).message}`);
    return undefined;
  }
}

interface AuditedItem {
  item: WorkItem;
  output: string;
  details: ItemDetails | undefined;
}

/**
 * A successful audit is kept (audit-outcome.ts), then the item is closed for producer
 * review on the evidence unless the command is audit-only. True when it was closed.
 */
async function recordAuditAndComplete(
  deps: AuditDeps,
  s: AuditSettings,
  audited: AuditedItem & { before: StoredAudit | undefined },
  report: Report,
): Promise<boolean> {
  const { item, output } = audited;
  const kept = await keepAudit(
    deps,
    {
      item,
      output,
      verdict: auditVerdict(output),
      before: audited.before,
      truncateChars: s.truncateChars,
    },
    report.lines,
  );
  if (!kept.ok) report.ok = false;
  const completed = s.auditOnly
    ? false
    : await autoComplete(deps, s, audited, kept.verdict, report);
  await recordAuditTime(deps, item.id);
  return completed;
}

/**
 * Closes the item for producer review on merged-PR evidence when its children are done or
 * the audit says it is ready, unless the audit skill already moved it; true when closed.
 */
async function autoComplete(
  deps: AuditDeps,
  s: AuditSettings,
  { item, output, details }: AuditedItem,
  verdict: ReturnType<typeof auditVerdict>,
  report: Report,
): Promise<boolean> {
  const now = details?.item;
  if (now && (now.status !== item.status || now.stage !== item.stage)) {
    report.lines.push(`Left ${item.id} at ${now.status}/${now.stage}, where the audit moved it.`);
    return false;
  }
  const evidence = await mergedEvidence(deps, output, s);
  const openChildren = details?.children.filter(
    (c) => c.status !== "completed" && c.status !== "deleted",
  );
  const childrenDone = openChildren ? openChildren.length === 0 : false;
  // "Ready to close: No" (the audit skill's verdict line) must not read as the phrase.
  const readyPhrase = verdict === "pass" || (verdict !== "fail" && READY_TO_CLOSE.test(output));
  if (!evidence.merged || !(childrenDone || readyPhrase)) {
    const why = !evidence.merged
      ? evidence.note
      : openChildren
        ? `${openChildren.length} open child item(s)`
        : "its children could not be read";
    report.lines.push(`Not auto-completed: ${why}.`);
    return false;
  }
  try {
    await closeWithAudit(deps.wl, now ?? item);
    report.lines.push(
      `Auto-completed ${item.id}: ${evidence.note}; awaiting producer review (tag ${AUDIT_CLOSED_TAG}).`,
    );
    return true;
  } catch (err) {
    report.ok = false;
    report.lines.push(`Could not complete ${item.id}: ${(err as Error).message}`);
    return false;
  }
}

/** The `Triage Audit — …` post, and `Audit Completed — …` when the item was completed. */
async function postAudit(
  notifier: Notify,
  run: {
    item: WorkItem;
    audit: Audit;
    details: ItemDetails | undefined;
    liveNote: string;
    completed: boolean;
  },
  report: Report,
): Promise<void> {
  const { item, audit, details } = run;
  // The title, the agent's summary and the PR link are outside text.
  const title = postableText(item.title || item.id);
  const summary = audit.audited ? extractSummary(audit.output) : undefined;
  const sources = [
    details?.item.description ?? item.description,
    ...(details?.comments ?? []).map((c) => c.comment),
  ];
  const pr = findPullRequests(sources.join("\n"))[0];
  const tool = audit.run.tool;
  const exit = tool.exitCode ?? (tool.timedOut ? "timeout" : "none");
  const body = [
    `# Triage Audit — ${title}`,
    "",
    summary ? postableText(summary, { multiline: true }) : `${item.id} — ${title} | exit=${exit}`,
    "",
    postableText(run.liveNote, { multiline: true }),
    ...(pr ? ["", `PR: ${postableText(pr.url)}`] : []),
  ];
  const sent = await notifier.send("audit", body.join("\n"));
  if (!sent.delivered)
    report.lines.push("The Triage Audit message was not delivered (dead letter).");
  if (!run.completed) return;
  const done = await notifier.send(
    "audit",
    `# Audit Completed — ${title}\n\n${item.id} was marked completed (stage in_review), ready for producer review.`,
  );
  if (!done.delivered)
    report.lines.push("The Audit Completed message was not delivered (dead letter).");
}

function delegate(deps: AuditDeps, s: AuditSettings): Promise<DelegationResult> {
  return runLiveDelegation(
    {
      wl: deps.wl,
      agent: deps.agent,
      clock: deps.clock,
      ...(deps.claim ? { claim: deps.claim } : {}),
      ...(deps.dispatchStore ? { dispatchStore: deps.dispatchStore } : {}),
    },
    { auditOnly: s.auditOnly },
  );
}
