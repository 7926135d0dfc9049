import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DispatchRecord, OnCorrupt } from "../../core/ports.js";
import { dispatchItemSchema, parseItem, readItems, reportTo } from "./items.js";
import { DISPATCHES, dispatchKey } from "./keys.js";
import { queryAll, type Table, writeIf } from "./table-io.js";

/**
 * The DISPATCH partition: each work item's latest dispatch to an agent, which is AMPA's
 * claim on the item. The claim is one conditional put, so two delegation runs racing for
 * the same item cannot both dispatch it.
 */

/** Writes the dispatch unless a live claim (same stage, not released, not stale) holds the item. */
export async function claimDispatch(
  t: Table,
  record: DispatchRecord,
  staleBefore: number,
): Promise<boolean> {
  const { releasedAt: _r, releaseReason: _why, ...fresh } = record;
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
