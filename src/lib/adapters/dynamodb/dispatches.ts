import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DispatchJudgement, DispatchRecord, OnCorrupt } from "../../core/ports.js";
import { dispatchItemSchema, parseItem, readItems, reportTo } from "./items.js";
import { DISPATCHES, dispatchKey } from "./keys.js";
import { queryAll, type Table, writeIf } from "./table-io.js";

/**
 * The DISPATCH partition: each work item's latest dispatch to an agent, which is AMPA's
 * claim on the item. The claim is one conditional put, so two delegation runs racing for
 * the same item cannot both dispatch it.
 */

/**
 * Writes the dispatch unless a live claim (same stage, not released, not stale) holds the
 * item. It replaces the item's earlier dispatch whole: what that one came to is carried in
 * the new one's `attempt` and `attemptRuns`.
 */
export async function claimDispatch(
  t: Table,
  record: DispatchRecord,
  staleBefore: number,
): Promise<boolean> {
  const {
    releasedAt: _r,
    releaseReason: _why,
    outcome: _o,
    judgedAt: _j,
    retryAt: _t,
    escalatedAt: _e,
    escalatedUpdatedAt: _u,
    escalationApprovedAt: _a,
    ...fresh
  } = record;
  return writeIf(
    t,
    new PutCommand({
      TableName: t.name,
      Item: { ...dispatchKey(record.workItemId), ...fresh },
      ConditionExpression:
        "attribute_not_exists(pk) OR attribute_exists(releasedAt) OR stage <> :stage OR dispatchedAt < :staleBefore",
      ExpressionAttributeValues: { ":stage": record.stage, ":staleBefore": staleBefore },
    }),
  );
}

/** Every work item's latest dispatch. */
export async function listDispatches(t: Table, onCorrupt?: OnCorrupt): Promise<DispatchRecord[]> {
  const report = reportTo(t.report, onCorrupt);
  return readItems(
    queryAll(t, { pk: DISPATCHES, consistent: true }),
    (item) => parseItem(dispatchItemSchema, item),
    report,
  );
}

/** Marks the dispatch released, only while it is still the one `runId` made. */
export async function releaseDispatch(
  t: Table,
  workItemId: string,
  runId: string,
  at: number,
  reason: string,
): Promise<boolean> {
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: dispatchKey(workItemId),
      UpdateExpression: "SET releasedAt = :at, releaseReason = :reason",
      ConditionExpression: "runId = :runId AND attribute_not_exists(releasedAt)",
      ExpressionAttributeValues: { ":at": at, ":reason": reason, ":runId": runId },
    }),
  );
}

/** Records what the run's dispatch came to, once, only while the record is still that run's. */
export async function judgeDispatch(
  t: Table,
  workItemId: string,
  runId: string,
  j: DispatchJudgement,
): Promise<boolean> {
  const set = ["outcome = :outcome", "judgedAt = :judgedAt"];
  const values: Record<string, unknown> = {
    ":outcome": j.outcome,
    ":judgedAt": j.judgedAt,
    ":runId": runId,
  };
  if (j.retryAt !== undefined) {
    set.push("retryAt = :retryAt");
    values[":retryAt"] = j.retryAt;
  }
  if (j.release) {
    // A claim the watchdog already released keeps its reason.
    set.push("releasedAt = if_not_exists(releasedAt, :at)");
    set.push("releaseReason = if_not_exists(releaseReason, :reason)");
    Object.assign(values, { ":at": j.judgedAt, ":reason": j.release.reason });
  }
  if (j.escalation) {
    set.push("escalatedAt = :escalatedAt", "escalatedUpdatedAt = :escalatedUpdatedAt");
    Object.assign(values, {
      ":escalatedAt": j.escalation.at,
      ":escalatedUpdatedAt": j.escalation.updatedAt,
    });
  }
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: dispatchKey(workItemId),
      UpdateExpression: `SET ${set.join(", ")}`,
      ConditionExpression: "runId = :runId AND attribute_not_exists(outcome)",
      ExpressionAttributeValues: values,
    }),
  );
}

/** Approves the item's escalation, once, while it is still escalated (and `runId`'s). */
export async function approveEscalation(
  t: Table,
  workItemId: string,
  runId: string | undefined,
  at: number,
): Promise<boolean> {
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: dispatchKey(workItemId),
      UpdateExpression: "SET escalationApprovedAt = :at",
      ConditionExpression: `attribute_exists(escalatedAt) AND attribute_not_exists(escalationApprovedAt)${runId ? " AND runId = :runId" : ""}`,
      ExpressionAttributeValues: { ":at": at, ...(runId ? { ":runId": runId } : {}) },
    }),
  );
}
