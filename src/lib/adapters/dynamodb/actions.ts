import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ActionKey, ActionOutcome, ActionRecord, OnCorrupt } from "../../core/ports.js";
import { actionItemSchema, parseItem, readItems, reportTo } from "./items.js";
import { ACTIONS, actionKey } from "./keys.js";
import { type Table, writeIf } from "./table-io.js";

/** The ACTION partition: every action asked for from Discord, allowed or refused. */

/** Records a new action; false when the interaction's is there already (a replay). */
export async function claimAction(t: Table, record: ActionRecord): Promise<boolean> {
  return writeIf(
    t,
    new PutCommand({
      TableName: t.name,
      Item: { ...actionKey(record), ...record },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}

/** What came of an action (an action not recorded is left unrecorded). */
export async function finishAction(
  t: Table,
  key: ActionKey,
  result: { outcome: ActionOutcome; detail?: string | undefined; at: number },
): Promise<void> {
  await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: actionKey(key),
      UpdateExpression: "SET outcome = :o, finishedAt = :at, detail = :d",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: {
        ":o": result.outcome,
        ":at": result.at,
        ":d": result.detail ?? "",
      },
    }),
  );
}

/** The newest `limit` actions (one page), newest first. */
export async function listActions(
  t: Table,
  limit: number,
  onCorrupt?: OnCorrupt,
): Promise<ActionRecord[]> {
  const report = reportTo(t.report, onCorrupt);
  const { Items } = await t.doc.send(
    new QueryCommand({
      TableName: t.name,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": ACTIONS },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return readItems(Items ?? [], (item) => parseItem(actionItemSchema, item), report);
}
