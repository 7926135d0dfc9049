import { randomUUID } from "node:crypto";
import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DeadLetter, OnCorrupt } from "../../core/ports.js";
import { deadLetterSchema, parseItem, readItems, reportTo } from "./items.js";
import { DEAD_LETTERS, deadLetterId, deadLetterKey } from "./keys.js";
import { queryAll, type Table, writeIf } from "./table-io.js";

/** The DLQ partition: notifications that could not be delivered, until a redrive does. */

export async function putDeadLetter(t: Table, letter: Omit<DeadLetter, "id">): Promise<DeadLetter> {
  const id = deadLetterId(letter.createdAt, randomUUID());
  const stored: DeadLetter = { ...letter, id };
  await t.doc.send(
    new PutCommand({ TableName: t.name, Item: { ...deadLetterKey(id), ...stored } }),
  );
  return stored;
}

/** Oldest first. Items that do not parse are skipped (and counted by countDeadLetters). */
export async function listDeadLetters(t: Table, onCorrupt?: OnCorrupt): Promise<DeadLetter[]> {
  const report = reportTo(t.report, onCorrupt);
  return readItems(
    queryAll(t, { pk: DEAD_LETTERS, consistent: true }),
    (item) => parseItem(deadLetterSchema, item),
    report,
  );
}

/** Every item of the partition, whether it parses or not. */
export async function countDeadLetters(t: Table): Promise<number> {
  let count = 0;
  for await (const _item of queryAll(t, { pk: DEAD_LETTERS, keysOnly: true })) count++;
  return count;
}

/**
 * Takes a dead letter for redrive so that two concurrent redrives never send it twice.
 * Returns false when another redrive holds it or it is gone.
 */
export async function claimDeadLetter(
  t: Table,
  id: string,
  token: string,
  now: number,
  leaseMs: number,
): Promise<boolean> {
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: deadLetterKey(id),
      UpdateExpression: "SET redriveToken = :token, redriveUntil = :until",
      ConditionExpression:
        "attribute_exists(pk) AND (attribute_not_exists(redriveUntil) OR redriveUntil < :now)",
      ExpressionAttributeValues: { ":token": token, ":until": now + leaseMs, ":now": now },
    }),
  );
}

/** Deletes a delivered dead letter; only the redrive holding it may. */
export async function deleteDeadLetter(t: Table, id: string, token: string): Promise<void> {
  await t.doc.send(
    new DeleteCommand({
      TableName: t.name,
      Key: deadLetterKey(id),
      ConditionExpression: "redriveToken = :token",
      ExpressionAttributeValues: { ":token": token },
    }),
  );
}

/** Gives a dead letter back after a failed redrive, noting the attempt. */
export async function releaseDeadLetter(
  t: Table,
  id: string,
  token: string,
  reason: string,
  now: number,
): Promise<void> {
  await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: deadLetterKey(id),
      UpdateExpression:
        "SET reason = :reason, lastAttemptAt = :now ADD redriveAttempts :one REMOVE redriveToken, redriveUntil",
      ConditionExpression: "redriveToken = :token",
      ExpressionAttributeValues: { ":token": token, ":reason": reason, ":now": now, ":one": 1 },
    }),
  );
}
