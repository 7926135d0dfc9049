import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { OnCorrupt, PrReport, PrReportKey } from "../../core/ports.js";
import { prReportItemSchema, readItem, reportTo } from "./items.js";
import { prReportKey } from "./keys.js";
import { type Table, writeIf } from "./table-io.js";

/** The PRMON partition: each failing PR (at one head commit) the PR monitor reported. */

/** Writes the report unless one exists for the same PR and commit: the claim that stops duplicates. */
export async function claimPrReport(t: Table, report: PrReport): Promise<boolean> {
  return writeIf(
    t,
    new PutCommand({
      TableName: t.name,
      Item: { ...prReportKey(report), ...report },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}

export async function setPrReportWorkItem(
  t: Table,
  key: PrReportKey,
  workItemId: string,
): Promise<void> {
  await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: prReportKey(key),
      UpdateExpression: "SET workItemId = :w",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":w": workItemId },
    }),
  );
}

/** Deletes a claim that has no work item yet (one with a work item stays). */
export async function releasePrReport(t: Table, key: PrReportKey): Promise<void> {
  await writeIf(
    t,
    new DeleteCommand({
      TableName: t.name,
      Key: prReportKey(key),
      ConditionExpression: "attribute_not_exists(workItemId)",
    }),
  );
}

export async function getPrReport(
  t: Table,
  key: PrReportKey,
  onCorrupt?: OnCorrupt,
): Promise<PrReport | undefined> {
  const report = reportTo(t.report, onCorrupt);
  const { Item } = await t.doc.send(
    new GetCommand({ TableName: t.name, Key: prReportKey(key), ConsistentRead: true }),
  );
  return Item ? readItem(prReportItemSchema, Item, report) : undefined;
}
