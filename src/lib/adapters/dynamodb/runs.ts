import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { RunNotified, RunRecord } from "../../core/command.js";
import { isConditionalCheckFailed } from "../../core/errors.js";
import type { OnCorrupt } from "../../core/ports.js";
import { parseItem, readItems, reportTo, runItemSchema } from "./items.js";
import { runKey, runPartition } from "./keys.js";
import { queryAll, type Table, writeIf } from "./table-io.js";

/** The RUN#<id> partitions: one item per run of a command, newest `maxRunHistory` kept. */

const parseRun = (item: Record<string, unknown>) => parseItem(runItemSchema, item);

/** Writes a run; with `ifAbsent`, an existing record of the same run is kept (false). */
export async function putRun(
  t: Table,
  run: RunRecord,
  { ifAbsent = false } = {},
): Promise<boolean> {
  try {
    await t.doc.send(
      new PutCommand({
        TableName: t.name,
        Item: { ...runKey(run), ...run },
        ...(ifAbsent ? { ConditionExpression: "attribute_not_exists(pk)" } : {}),
      }),
    );
    return true;
  } catch (err) {
    if (ifAbsent && isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** The newest `limit` runs of a command (one page), newest first. */
export async function listRuns(
  t: Table,
  id: string,
  limit: number = t.maxRunHistory,
  onCorrupt?: OnCorrupt,
): Promise<RunRecord[]> {
  const report = reportTo(t.report, onCorrupt);
  const { Items } = await t.doc.send(
    new QueryCommand({
      TableName: t.name,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": runPartition(id) },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return readItems(Items ?? [], parseRun, report);
}

/** Every stored run of a command, newest first, across as many pages as it takes. */
export async function listAllRuns(
  t: Table,
  id: string,
  onCorrupt?: OnCorrupt,
): Promise<RunRecord[]> {
  const report = reportTo(t.report, onCorrupt);
  const items = queryAll(t, { pk: runPartition(id), consistent: true, newestFirst: true });
  return readItems(items, parseRun, report);
}

/** Deletes all but the newest `keep` runs of a command. */
export async function deleteRunsBeyond(t: Table, id: string, keep: number): Promise<void> {
  let seen = 0;
  for await (const item of queryAll(t, {
    pk: runPartition(id),
    keysOnly: true,
    newestFirst: true,
  })) {
    seen++;
    if (seen > keep)
      await t.doc.send(new DeleteCommand({ TableName: t.name, Key: { pk: item.pk, sk: item.sk } }));
  }
}

/** Writes one run record as given, without trimming the history (see `deleteRun`). */
export async function putRunRecord(t: Table, run: RunRecord): Promise<void> {
  await t.doc.send(new PutCommand({ TableName: t.name, Item: { ...runKey(run), ...run } }));
}

export async function deleteRun(
  t: Table,
  run: Pick<RunRecord, "commandId" | "startedAt" | "runId">,
): Promise<void> {
  await t.doc.send(new DeleteCommand({ TableName: t.name, Key: runKey(run) }));
}

/** Notes what became of the run's post on its record; a record trimmed meanwhile stays gone. */
export async function recordRunNotified(
  t: Table,
  run: Pick<RunRecord, "commandId" | "startedAt" | "runId">,
  notified: RunNotified,
): Promise<void> {
  await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: runKey(run),
      UpdateExpression: "SET notified = :n",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":n": notified },
    }),
  );
}
