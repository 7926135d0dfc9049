import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { OnCorrupt, PrIgnore, PrIgnoreKey, PrReport, PrReportKey } from "../../core/ports.js";
import { prIgnoreItemSchema, prReportItemSchema, readItem, reportTo } from "./items.js";
import { prIgnoreKey, prReportKey } from "./keys.js";
import { type Table, writeIf } from "./table-io.js";

/**
 * The PRMON partition: each failing PR (at one head commit) the PR monitor reported, and
 * each PR it ignores (Discord's Ignore on its post).
 */

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

/** Records the PR as ignored unless it is already: the first who and when stay. */
export async function ignorePullRequest(t: Table, ignore: PrIgnore): Promise<boolean> {
  return writeIf(
    t,
    new PutCommand({
      TableName: t.name,
      Item: { ...prIgnoreKey(ignore), ...ignore },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}

export async function getPullRequestIgnore(
  t: Table,
  key: PrIgnoreKey,
  onCorrupt?: OnCorrupt,
): Promise<PrIgnore | undefined> {
  const report = reportTo(t.report, onCorrupt);
  const { Item } = await t.doc.send(
    new GetCommand({ TableName: t.name, Key: prIgnoreKey(key), ConsistentRead: true }),
  );
  return Item ? readItem(prIgnoreItemSchema, Item, report) : undefined;
}
