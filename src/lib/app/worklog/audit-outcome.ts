import type { AuditStore } from "../../core/ports.js";
import { auditComment, extractSummary, lastAuditComment } from "./audit-text.js";
import type { AuditVerdict } from "./audit-verdict.js";
import { type StoredAudit, type WorkItem, type Worklog, WorklogError } from "./wl.js";

/**
 * What an audit leaves behind, for the triage and the review audit alike, as the audit
 * skill's contract has it since mid-2026 (shared/contracts/worklog-cli.md, "The newer wl"):
 * - **where it is kept**: `wl audit-set` where this `wl` has it (detected from `wl --help`),
 *   else a `# AMPA Audit Result` comment; AMPA's own record (`AUDIT/<id>`) always. An audit
 *   the skill stored itself during the run is not stored twice.
 * - **when the item was last audited**: the newest of AMPA's record, an audit comment
 *   (`# AMPA Audit Result` or the skill's `# Audit Result`) and `wl audit-show`'s `auditedAt`.
 * - **where the item goes**: a pass to `completed`/`in_review` with `needsProducerReview`
 *   and tag `audit_closed` (producer review stays a person's step); a fail to
 *   `open`/`plan_complete`; unclear nowhere. An item the audit skill already moved (its
 *   status or stage differ from before the audit) is left where the skill put it.
 */

export const AUDIT_AUTHOR = "ampa";
export const AUDIT_CLOSED_TAG = "audit_closed";

const PASSED = { status: "completed", stage: "in_review" };
export const VERDICT_MOVES: Record<AuditVerdict, { status: string; stage: string } | undefined> = {
  pass: PASSED,
  fail: { status: "open", stage: "plan_complete" },
  unclear: undefined,
};

/**
 * How long after an audit an item's update still counts as the audit's own (its comment,
 * its move): upstream's freshness buffer. A later update means the item changed.
 */
export const AUDIT_UPDATE_TOLERANCE_MS = 60_000;

export interface AuditRecordDeps {
  wl: Worklog;
  store: AuditStore;
  clock: () => number;
  commandId: string;
}

/** The item's stored audit before the run, where this wl keeps audits (else undefined). */
export async function storedAudit(wl: Worklog, id: string): Promise<StoredAudit | undefined> {
  return (await wl.features()).auditRecords ? wl.auditShow(id) : undefined;
}

/** When `item` was last audited (epoch ms), from every place an audit is kept. */
export async function lastAuditAt(
  deps: AuditRecordDeps,
  item: WorkItem,
): Promise<number | undefined> {
  const stored = Date.parse((await storedAudit(deps.wl, item.id))?.auditedAt ?? "");
  const times = [
    lastAuditComment(await deps.wl.comments(item.id)),
    await deps.store.getLastAudit(item.id),
    Number.isFinite(stored) ? stored : undefined,
  ].filter((t): t is number => t !== undefined);
  return times.length ? Math.max(...times) : undefined;
}

/** The item was updated after its last audit (beyond the audit's own writes). */
export function changedSince(item: WorkItem, lastAudit: number): boolean {
  const updated = Date.parse(item.updatedAt);
  return Number.isFinite(updated) && updated > lastAudit + AUDIT_UPDATE_TOLERANCE_MS;
}

export interface RecordedAudit {
  verdict: AuditVerdict;
  /** Every write succeeded. */
  ok: boolean;
}

/**
 * Keeps the audit (see the module comment). The verdict the skill stored with `audit-set`
 * during the run wins over the one read from its output. Failures are noted, not thrown.
 */
export async function keepAudit(
  deps: AuditRecordDeps,
  audit: {
    item: WorkItem;
    output: string;
    verdict: AuditVerdict;
    before: StoredAudit | undefined;
    truncateChars: number;
  },
  lines: string[],
): Promise<RecordedAudit> {
  const { item, output } = audit;
  let verdict = audit.verdict;
  let ok = true;
  try {
    const features = await deps.wl.features();
    const after = features.auditRecords ? await deps.wl.auditShow(item.id) : undefined;
    if (after && after.auditedAt !== audit.before?.auditedAt) {
      if (after.readyToClose !== undefined) verdict = after.readyToClose ? "pass" : "fail";
      lines.push(
        `The audit skill stored its audit of ${item.id} (wl audit-show): verdict ${verdict}.`,
      );
    } else if (features.auditRecords && verdict !== "unclear") {
      await deps.wl.auditSet(item.id, {
        readyToClose: verdict === "pass",
        summary: extractSummary(output) ?? `Audit of ${item.id}: ${verdict}`,
        rawOutput: auditComment(output, audit.truncateChars),
      });
      lines.push(`Stored the audit of ${item.id} with wl audit-set.`);
    } else {
      // An unclear verdict has no yes/no for audit-set: it stays readable as a comment.
      await deps.wl.addComment(item.id, auditComment(output, audit.truncateChars), AUDIT_AUTHOR);
      lines.push(`Added the audit comment to ${item.id}.`);
    }
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    ok = false;
    lines.push(`Could not store the audit of ${item.id}: ${err.message}`);
  }
  return { verdict, ok };
}

/** AMPA's own record of the audit, written after every other write of the audit. */
export async function recordAuditTime(deps: AuditRecordDeps, id: string): Promise<void> {
  await deps.store.recordAudit(id, deps.clock(), deps.commandId);
}

export type MoveResult =
  | { kind: "moved"; text: string }
  | { kind: "left"; text: string }
  | { kind: "failed"; text: string };

/**
 * Moves the audited item as its verdict says, unless the skill moved it first. `before` is
 * the item as it was when chosen; its current state is read again here.
 */
export async function applyVerdict(
  wl: Worklog,
  before: WorkItem,
  verdict: AuditVerdict,
): Promise<MoveResult> {
  const move = VERDICT_MOVES[verdict];
  if (!move) return { kind: "left", text: "left where it is (verdict unclear)" };
  try {
    const { item: now } = await wl.show(before.id);
    if (now.status !== before.status || now.stage !== before.stage)
      return {
        kind: "left",
        text: `left at ${now.status}/${now.stage}, where the audit moved it`,
      };
    if (verdict === "fail") {
      await wl.update(before.id, move.status, move.stage);
      return { kind: "moved", text: `moved to ${move.status}/${move.stage}` };
    }
    return await closeWithAudit(wl, now);
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    return { kind: "failed", text: `not moved: ${err.message}` };
  }
}

/** A pass: `completed`/`in_review`, awaiting producer review, tagged `audit_closed`. */
export async function closeWithAudit(wl: Worklog, item: WorkItem): Promise<MoveResult> {
  const move = PASSED;
  if (item.status !== move.status || item.stage !== move.stage)
    await wl.update(item.id, move.status, move.stage);
  await wl.setNeedsProducerReview(item.id, true);
  if (!item.tags.includes(AUDIT_CLOSED_TAG))
    await wl.updateFields(item.id, { tags: [...item.tags, AUDIT_CLOSED_TAG] });
  return {
    kind: "moved",
    text: `moved to ${move.status}/${move.stage} for producer review (needsProducerReview, tag ${AUDIT_CLOSED_TAG})`,
  };
}
