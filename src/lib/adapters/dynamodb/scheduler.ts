import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "../../core/errors.js";
import type { GlobalSlot, OnCorrupt } from "../../core/ports.js";
import { readItem, schedulerItemSchema } from "./items.js";
import { SCHEDULER_KEY } from "./keys.js";
import { type Table, writeIf } from "./table-io.js";

/** The GLOBAL/SCHEDULER item: the global start slot and the startup announcement. */

// A value that is not a number (a hand edit) would fail the comparison forever and stop
// every start: it counts as no start at all.
const NO_START_SINCE =
  "attribute_not_exists(lastGlobalStartAt) OR NOT attribute_type(lastGlobalStartAt, :number)";

export async function getLastGlobalStart(t: Table, report: OnCorrupt): Promise<number | undefined> {
  const { Item } = await t.doc.send(
    new GetCommand({ TableName: t.name, Key: SCHEDULER_KEY, ConsistentRead: true }),
  );
  return Item ? readItem(schedulerItemSchema, Item, report)?.lastGlobalStartAt : undefined;
}

/**
 * Takes the global start slot if no start happened in the last `minIntervalMs`.
 * Returns the previous value so a claimer that then starts nothing can give it back.
 */
export async function claimGlobalSlot(
  t: Table,
  now: number,
  minIntervalMs: number,
  token: string,
): Promise<GlobalSlot> {
  try {
    const { Attributes } = await t.doc.send(
      new UpdateCommand({
        TableName: t.name,
        Key: SCHEDULER_KEY,
        UpdateExpression: "SET lastGlobalStartAt = :now, lastGlobalToken = :token",
        ConditionExpression: `${NO_START_SINCE} OR lastGlobalStartAt <= :threshold`,
        ExpressionAttributeValues: {
          ":now": now,
          ":token": token,
          ":threshold": now - minIntervalMs,
          ":number": "N",
        },
        ReturnValues: "ALL_OLD",
      }),
    );
    const previous = Attributes?.lastGlobalStartAt;
    return { claimed: true, previous: typeof previous === "number" ? previous : undefined };
  } catch (err) {
    if (isConditionalCheckFailed(err)) return { claimed: false };
    throw err;
  }
}

/** Undoes claimGlobalSlot, unless another claimer has moved the slot since. */
export async function releaseGlobalSlot(
  t: Table,
  token: string,
  previous: number | undefined,
): Promise<void> {
  await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: SCHEDULER_KEY,
      UpdateExpression:
        previous === undefined
          ? "REMOVE lastGlobalStartAt, lastGlobalToken"
          : "SET lastGlobalStartAt = :previous REMOVE lastGlobalToken",
      ConditionExpression: "lastGlobalToken = :token",
      ExpressionAttributeValues: {
        ":token": token,
        ...(previous === undefined ? {} : { ":previous": previous }),
      },
    }),
  );
}

/** Moves the last global start forward to `at`; never backwards. */
export async function advanceLastGlobalStart(t: Table, at: number): Promise<boolean> {
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: SCHEDULER_KEY,
      UpdateExpression: "SET lastGlobalStartAt = :at",
      ConditionExpression: `${NO_START_SINCE} OR lastGlobalStartAt < :at`,
      ExpressionAttributeValues: { ":at": at, ":number": "N" },
    }),
  );
}

/**
 * True for exactly one caller per build id: whoever records it first announces the
 * start of that build (a conditional write; every cold container of the build tries).
 */
export async function claimStartupAnnouncement(
  t: Table,
  buildId: string,
  now: number,
): Promise<boolean> {
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: SCHEDULER_KEY,
      UpdateExpression: "SET lastStartupBuild = :build, lastStartupAt = :now",
      ConditionExpression: "attribute_not_exists(lastStartupBuild) OR lastStartupBuild <> :build",
      ExpressionAttributeValues: { ":build": buildId, ":now": now },
    }),
  );
}
