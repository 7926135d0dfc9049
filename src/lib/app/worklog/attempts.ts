import type {
  CounterStore,
  DispatchOutcome,
  DispatchRecord,
  DispatchStore,
  Notify,
} from "../../core/ports.js";
import { postableText } from "../../core/untrusted-text.js";
import { oneLine } from "./busy.js";
import { type CheckFailure, isLiveClaim } from "./checks.js";
import { type WorkItem, type Worklog, WorklogError } from "./wl.js";

/**
 * Bounded re-dispatch. Each dispatch of an item is judged when its run ends (or, when the
 * run was abandoned, by the next live delegation): `moved` when the item left the stage or
 * the status it had, `unmoved` when the agent exited cleanly without moving it, `failed`
 * when the agent failed or its run never ended. A dispatch that did not move the item puts
 * it back at once and counts: the next one waits `stale period × 2^(n-1)` after the n-th;
 * after `max_attempts` the item is escalated (left unclaimed at status `blocked`, or tagged
 * ESCALATED_TAG where Worklog keeps it open; one comment; one post) and never dispatched
 * again until something changes it (its `updatedAt` moves past the escalation's).
 */

/** The release reason of a claim whose wl update failed: no agent ran. */
export const CLAIM_FAILED = "claim failed";
export const ESCALATED_TAG = "ampa-escalated";
export const ESCALATION_TITLE = "Delegation Escalated";
/** Statuses Worklog accepts with each delegable stage (shared/contracts/worklog-cli.md). */
const BLOCKABLE_STAGES: ReadonlySet<string> = new Set(["idea", "intake_complete", "plan_complete"]);

export interface AttemptDeps {
  wl: Worklog;
  dispatchStore?: DispatchStore;
  counters?: CounterStore;
  notifier?: Notify;
  /** The name AMPA claims items under (a comment's author). */
  assignee: string;
}

export interface AttemptSettings {
  maxAttempts: number;
  staleAfterMs: number;
}

/** Whether the item left what it was when dispatched: another stage, or another status. */
export function itemMoved(record: DispatchRecord, item: WorkItem): boolean {
  if (item.stage !== record.stage) return true;
  // `in-progress` is AMPA's own claim, not the agent's work.
  return item.status !== "in-progress" && item.status !== (record.status ?? item.status);
}

/** How a dispatch's run ended: the agent's exit, or never seen (killed, crashed, timed out). */
export type RunEnd = { agentOk: boolean } | "abandoned";

/** A failed agent counts whatever it did; an abandoned run counts unless the item moved. */
export function judge(record: DispatchRecord, item: WorkItem, end: RunEnd): DispatchOutcome {
  if (end !== "abandoned" && !end.agentOk) return "failed";
  if (itemMoved(record, item)) return "moved";
  return end === "abandoned" ? "failed" : "unmoved";
}

/** A record whose run ended (or was abandoned) without moving its item. */
const counts = (r: DispatchRecord): boolean => r.outcome === "unmoved" || r.outcome === "failed";

/** The end of the backoff after the `attempt`-th dispatch that did not move the item. */
export const backoffEnd = (attempt: number, judgedAt: number, staleAfterMs: number): number =>
  judgedAt + staleAfterMs * 2 ** (attempt - 1);

/**
 * Whether a person changed the item since it was escalated (anything but AMPA's escalation),
 * or approved it from Discord.
 */
const changedSinceEscalation = (record: DispatchRecord, item: WorkItem): boolean =>
  record.escalationApprovedAt !== undefined || item.updatedAt !== record.escalatedUpdatedAt;

/** The `attempts` check: an escalated item, or one waiting out its backoff. */
export function attemptsFailure(
  record: DispatchRecord | undefined,
  item: WorkItem,
  s: AttemptSettings,
  now: number,
): CheckFailure | undefined {
  if (!record || record.workItemId !== item.id) return undefined;
  const runs = (record.attemptRuns ?? [record.runId]).join(", ");
  if (record.escalatedAt !== undefined) {
    if (changedSinceEscalation(record, item)) return undefined;
    return {
      check: "attempts",
      why: `escalated after ${record.attempt ?? 1} dispatch(es) that did not move it (runs ${runs}): waiting for a person to change it`,
    };
  }
  const at = record.retryAt;
  if (!counts(record) || at === undefined || item.stage !== record.stage || now >= at)
    return undefined;
  return {
    check: "attempts",
    why: `${record.attempt ?? 1} of ${s.maxAttempts} dispatch(es) for ${record.action} did not move it (runs ${runs}); next attempt after ${new Date(at).toISOString()}`,
  };
}

/** The attempt number and runs of a new dispatch, after the item's previous one. */
export function nextAttempt(
  previous: DispatchRecord | undefined,
  item: WorkItem,
  action: string,
  runId: string,
): { attempt: number; attemptRuns: string[] } {
  const continues =
    previous !== undefined &&
    counts(previous) &&
    previous.action === action &&
    previous.stage === item.stage &&
    (previous.escalatedAt === undefined || !changedSinceEscalation(previous, item));
  if (!continues) return { attempt: 1, attemptRuns: [runId] };
  const attempt = (previous.attempt ?? 1) + 1;
  const runs = [...(previous.attemptRuns ?? [previous.runId]), runId];
  return { attempt, attemptRuns: runs.slice(-attempt) };
}

/**
 * Judges a dispatch whose run has ended and acts on it: counts it, puts an unmoved item
 * back (or escalates it at the bound) and records the judgement. Returns a line for the
 * run's output. wl failures on the way are noted, not thrown: the judgement is still kept.
 */
export async function settleDispatch(
  deps: AttemptDeps,
  s: AttemptSettings,
  record: DispatchRecord,
  end: RunEnd,
  now: number,
): Promise<string> {
  let item: WorkItem | undefined;
  try {
    item = (await deps.wl.show(record.workItemId)).item;
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    // wl cannot show it (gone, or wl failing): nothing to put back; a failed agent counts.
    item = undefined;
  }
  const outcome = item
    ? judge(record, item, end)
    : end !== "abandoned" && !end.agentOk
      ? "failed"
      : "moved";
  await deps.counters?.incrementCounter("ampa_dispatch_attempts_total", {
    action: record.action,
    outcome,
  });
  const store = deps.dispatchStore;
  const id = record.workItemId;
  const attempt = record.attempt ?? 1;
  if (outcome === "moved" || !item) {
    await store?.judgeDispatch(id, record.runId, { outcome, judgedAt: now });
    return `Dispatch ${attempt} of ${id} (${record.action}): ${outcome}.`;
  }
  if (attempt >= s.maxAttempts) return escalate(deps, s, record, item, outcome, now);
  const notes = await putBack(deps, record, item);
  const retryAt = backoffEnd(attempt, now, s.staleAfterMs);
  await store?.judgeDispatch(id, record.runId, {
    outcome,
    judgedAt: now,
    retryAt,
    release: { reason: `did not move (${outcome})` },
  });
  const next = new Date(retryAt).toISOString();
  return [
    `Dispatch ${attempt} of ${s.maxAttempts} of ${id} (${record.action}) did not move it (${outcome}): put back; next attempt after ${next}.`,
    ...notes,
  ].join("\n");
}

/** Clears AMPA's claim on the item: its assignee, and the `in-progress` the claim set. */
async function putBack(
  deps: AttemptDeps,
  record: DispatchRecord,
  item: WorkItem,
): Promise<string[]> {
  const fields: { assignee?: string; status?: string } = {};
  if (item.assignee === record.assignee) fields.assignee = "";
  if (item.status === "in-progress" && record.status && record.status !== "in-progress")
    fields.status = record.status;
  if (Object.keys(fields).length === 0) return [];
  try {
    await deps.wl.updateFields(item.id, fields);
    return [];
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    return [`Could not put ${item.id} back: ${err.message}`];
  }
}

async function escalate(
  deps: AttemptDeps,
  s: AttemptSettings,
  record: DispatchRecord,
  item: WorkItem,
  outcome: DispatchOutcome,
  now: number,
): Promise<string> {
  const id = item.id;
  const runs = record.attemptRuns ?? [record.runId];
  const notes: string[] = [];
  const noteFailure = (what: string, err: unknown) => {
    if (!(err instanceof WorklogError)) throw err;
    notes.push(`Could not ${what}: ${err.message}`);
  };
  // Blocked where Worklog takes it with the stage; it may report blocked and keep the item
  // open (an item without dependency edges, wl 0.0.1), so what it stored is read back.
  let state = "unclaimed";
  try {
    const blockable = BLOCKABLE_STAGES.has(item.stage);
    await deps.wl.updateFields(id, { assignee: "", ...(blockable ? { status: "blocked" } : {}) });
    const after = (await deps.wl.show(id)).item;
    if (after.status === "blocked") state = "status blocked";
    else if (after.tags.includes(ESCALATED_TAG)) state = `tag ${ESCALATED_TAG}`;
    else {
      await deps.wl.updateFields(id, { tags: [...after.tags, ESCALATED_TAG] });
      state = `tag ${ESCALATED_TAG}`;
    }
  } catch (err) {
    noteFailure(`mark ${id} escalated`, err);
  }
  const text = [
    `AMPA stopped dispatching this item: ${runs.length} dispatch(es) for ${record.action} at stage ${record.stage} did not move it (runs ${runs.join(", ")}; the last ${outcome}).`,
    `It is left unclaimed (${state}) for a person. Once you change the item, delegation may pick it up again, with a fresh count of ${s.maxAttempts} attempts.`,
  ].join("\n");
  try {
    await deps.wl.addComment(id, text, deps.assignee);
  } catch (err) {
    noteFailure(`comment on ${id}`, err);
  }
  // The change a person makes later is a newer updatedAt than the one AMPA leaves now.
  let updatedAt = item.updatedAt;
  try {
    updatedAt = (await deps.wl.show(id)).item.updatedAt;
  } catch (err) {
    noteFailure(`read ${id} back`, err);
  }
  const judged = await deps.dispatchStore?.judgeDispatch(id, record.runId, {
    outcome,
    judgedAt: now,
    release: { reason: "escalated" },
    escalation: { at: now, updatedAt },
  });
  // Another run judged it first (and escalated it): one post per escalation.
  if (judged === false)
    return `Dispatch ${runs.length} of ${id} was already judged by another run.`;
  await deps.counters?.incrementCounter("ampa_items_escalated_total");
  const line = `Escalated ${id} (${oneLine(item.title)}) after ${runs.length} dispatch(es) for ${record.action} that did not move it: ${state}.`;
  if (deps.notifier)
    await deps.notifier.send(
      "delegation",
      `# ${ESCALATION_TITLE}\n\n${postableText([line, `Runs: ${runs.join(", ")}`].join("\n"), { multiline: true })}`,
      undefined,
      { for: "escalation", workItemId: id, runId: record.runId },
    );
  return [line, ...notes].join("\n");
}

/**
 * Dispatches whose run ended without judging them (killed, crashed, timed out): judged
 * `failed` now, once their claim is no longer live (released or stale).
 */
export async function settleAbandoned(
  deps: AttemptDeps,
  s: AttemptSettings,
  now: number,
): Promise<string[]> {
  const records = (await deps.dispatchStore?.listDispatches()) ?? [];
  const lines: string[] = [];
  for (const r of records) {
    // A claim that failed never reached an agent.
    if (r.outcome !== undefined || r.releaseReason === CLAIM_FAILED) continue;
    if (isLiveClaim(r, undefined, now, s.staleAfterMs)) continue;
    lines.push(await settleDispatch(deps, s, r, "abandoned", now));
  }
  return lines;
}

/** An item delegation holds back, as `ampa status` shows it. */
export interface HeldBackItem {
  workItemId: string;
  action: string;
  stage: string;
  /** Dispatches that did not move it, counted so far. */
  attempts: number;
  runs: string[];
  state: "escalated" | "backoff";
  /** The backoff's end, or when it was escalated. */
  at: number;
}

/** Escalated items, and items waiting out a backoff now, from the dispatch records. */
export function heldBack(records: readonly DispatchRecord[], now: number): HeldBackItem[] {
  const held: HeldBackItem[] = [];
  for (const r of records) {
    const base = {
      workItemId: r.workItemId,
      action: r.action,
      stage: r.stage,
      attempts: r.attempt ?? 1,
      runs: r.attemptRuns ?? [r.runId],
    };
    if (r.escalatedAt !== undefined && r.escalationApprovedAt === undefined)
      held.push({ ...base, state: "escalated", at: r.escalatedAt });
    else if (r.retryAt !== undefined && r.retryAt > now)
      held.push({ ...base, state: "backoff", at: r.retryAt });
  }
  return held.sort((a, b) => a.at - b.at || a.workItemId.localeCompare(b.workItemId));
}
