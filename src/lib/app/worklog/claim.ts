import type { DispatchRecord, DispatchStore } from "../../core/ports.js";
import { CLAIM_FAILED, nextAttempt } from "./attempts.js";
import type { DelegationSettings } from "./checks.js";
import { type WorkItem, type Worklog, WorklogError } from "./wl.js";

/**
 * Claim before dispatch: record the dispatch in the table (a conditional write, so two runs
 * never dispatch one item), set the item's assignee, set status `in-progress` where
 * Worklog allows it with the item's stage (never with `idea`), and comment naming the run.
 */

export interface ClaimContext {
  commandId: string;
  runId: string;
  /** AMPA_DELEGATE_ASSIGNEE. */
  assignee: string;
}

export interface ClaimDeps {
  wl: Worklog;
  clock?: () => number;
  settings?: DelegationSettings;
  claim?: ClaimContext;
  dispatchStore?: DispatchStore;
}

export type ClaimResult =
  | { ok: true; notes: string[]; record: DispatchRecord }
  | { ok: false; why: string; toolFailed?: boolean };

/** Stages Worklog accepts with status `in-progress` (shared/contracts/worklog-cli.md). */
export const IN_PROGRESS_STAGES: ReadonlySet<string> = new Set([
  "intake_complete",
  "plan_complete",
  "in_progress",
]);

export const DEFAULT_ASSIGNEE = "ampa";
const DEFAULT_STALE_MS = 120 * 60_000;

export function claimComment(action: string, c: ClaimContext, at: number): string {
  return [
    `AMPA claimed this item for ${action}: command ${c.commandId}, run ${c.runId}, assignee ${c.assignee}, at ${new Date(at).toISOString()}.`,
    "The stale-delegation watchdog puts it back if it sees no update for a while.",
  ].join("\n");
}

/**
 * Assignee, and status in-progress where the stage allows it. A Worklog whose status/stage
 * rules refuse it (its built-in defaults allow in-progress only at stage in_progress) gets
 * the assignee alone: the claim still holds through the dispatch record and the comment.
 */
async function setClaim(
  wl: Worklog,
  item: WorkItem,
  assignee: string,
): Promise<{ inProgress: boolean; refused?: string }> {
  if (!IN_PROGRESS_STAGES.has(item.stage)) {
    await wl.updateFields(item.id, { assignee });
    return { inProgress: false };
  }
  try {
    await wl.updateFields(item.id, { assignee, status: "in-progress" });
    return { inProgress: true };
  } catch (err) {
    if (!(err instanceof WorklogError) || !/status\/stage|not compatible/i.test(err.message))
      throw err;
    await wl.updateFields(item.id, { assignee });
    return { inProgress: false, refused: `this Worklog refused in-progress (${err.message})` };
  }
}

/** Claims `item` for `action`; `previous` is the item's last dispatch (its attempt count). */
export async function claimItem(
  deps: ClaimDeps,
  item: WorkItem,
  action: string,
  previous?: DispatchRecord,
): Promise<ClaimResult> {
  const now = (deps.clock ?? Date.now)();
  const c = deps.claim ?? { commandId: "triage-audit", runId: "-", assignee: DEFAULT_ASSIGNEE };
  const store = deps.dispatchStore;
  const record: DispatchRecord = {
    workItemId: item.id,
    action,
    stage: item.stage,
    commandId: c.commandId,
    runId: c.runId,
    assignee: c.assignee,
    dispatchedAt: now,
    status: item.status,
    ...nextAttempt(previous, item, action, c.runId),
  };
  const staleMs = deps.settings?.staleAfterMs ?? DEFAULT_STALE_MS;
  if (store && !(await store.claimDispatch(record, now - staleMs)))
    return { ok: false, why: `${item.id} was claimed by another run` };
  let set: Awaited<ReturnType<typeof setClaim>>;
  try {
    set = await setClaim(deps.wl, item, c.assignee);
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    await store?.releaseDispatch(item.id, c.runId, now, CLAIM_FAILED);
    return { ok: false, why: `claim of ${item.id} failed: ${err.message}`, toolFailed: true };
  }
  const notes: string[] = [
    `Claimed ${item.id}: assignee ${c.assignee}${set.inProgress ? ", status in-progress" : ` (status stays ${item.status}: ${set.refused ?? `Worklog refuses in-progress at stage ${item.stage}`})`}.`,
  ];
  try {
    await deps.wl.addComment(item.id, claimComment(action, c, now), c.assignee);
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    notes.push(`The claim comment could not be added: ${err.message}`);
  }
  return { ok: true, notes, record };
}
