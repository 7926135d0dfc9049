import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { AuditTime, OnCorrupt } from "../../core/ports.js";
import { auditItemSchema, parseItem, readItem, readItems, reportTo } from "./items.js";
import { AUDITS, auditKey } from "./keys.js";
import { queryAll, type Table, writeIf } from "./table-io.js";

/** The AUDIT partition: each work item's last triage audit (by AMPA or imported). */

/** Every work item's last triage audit time. */
export async function listAuditTimes(t: Table, onCorrupt?: OnCorrupt): Promise<AuditTime[]> {
  const report = reportTo(t.report, onCorrupt);
  return readItems(
    queryAll(t, { pk: AUDITS, consistent: true }),
    (item) => parseItem(auditItemSchema, item),
    report,
  );
}

/** Records a work item's audit time unless the store already holds a later one. */
export async function putAuditTime(t: Table, audit: AuditTime): Promise<boolean> {
  return writeIf(
    t,
    new PutCommand({
      TableName: t.name,
      Item: { ...auditKey(audit.workItemId), ...audit },
      ConditionExpression: "attribute_not_exists(pk) OR lastAuditAt < :at",
      ExpressionAttributeValues: { ":at": audit.lastAuditAt },
    }),
  );
}

/** Records an audit of a Worklog item by a command; an older time never replaces a newer one. */
export async function recordAudit(
  t: Table,
  workItemId: string,
  at: number,
  commandId: string,
): Promise<void> {
  await putAuditTime(t, { workItemId, lastAuditAt: at, commandId });
}

/** When a triage audit last looked at a Worklog item (epoch ms); undefined when never. */
export async function getLastAudit(
  t: Table,
  workItemId: string,
  onCorrupt?: OnCorrupt,
): Promise<number | undefined> {
  const report = reportTo(t.report, onCorrupt);
  const { Item } = await t.doc.send(
    new GetCommand({ TableName: t.name, Key: auditKey(workItemId) }),
  );
  return Item ? readItem(auditItemSchema, Item, report)?.lastAuditAt : undefined;
}
