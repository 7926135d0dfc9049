import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { NotifyState, OnCorrupt } from "../../core/ports.js";
import { notifyStateSchema, readItem, reportTo } from "./items.js";
import { NOTIFY_KEY } from "./keys.js";
import type { Table } from "./table-io.js";

/** The GLOBAL/NOTIFY item: when messages last went out (heartbeat suppression). */

export async function getNotifyState(t: Table, onCorrupt?: OnCorrupt): Promise<NotifyState> {
  const report = reportTo(t.report, onCorrupt);
  const { Item } = await t.doc.send(
    new GetCommand({ TableName: t.name, Key: NOTIFY_KEY, ConsistentRead: true }),
  );
  return (Item && readItem(notifyStateSchema, Item, report)) ?? {};
}

/**
 * Records that a message of `kind` went out at `at`. Messages that show AMPA doing its
 * work (`quietsHeartbeat`) hold scheduled heartbeats back for a while.
 */
export async function recordMessageSent(
  t: Table,
  kind: string,
  at: number,
  quietsHeartbeat: boolean,
): Promise<void> {
  const set = ["lastMessageAt = :at", "lastMessageKind = :kind"];
  if (kind === "heartbeat") set.push("lastHeartbeatAt = :at");
  if (quietsHeartbeat) set.push("lastNonHeartbeatAt = :at");
  await t.doc.send(
    new UpdateCommand({
      TableName: t.name,
      Key: NOTIFY_KEY,
      UpdateExpression: `SET ${set.join(", ")}`,
      ExpressionAttributeValues: { ":at": at, ":kind": kind },
    }),
  );
}
