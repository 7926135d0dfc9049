import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "../../core/errors.js";
import type { GlobalSlot, GlobalSlotState, OnCorrupt } from "../../core/ports.js";
import type { SchedulerState } from "../../core/scheduler/select.js";
import { readItem, reportTo, schedulerItemSchema } from "./items.js";
import { SCHEDULER_KEY } from "./keys.js";
import { type Table, writeIf } from "./table-io.js";

/** The GLOBAL/SCHEDULER item: the global start slot and the startup announcement. */

// A value that is not a number (a hand edit) would fail the comparison forever and stop
// every start: it counts as no start at all.
const NO_START_SINCE =
  "attribute_not_exists(lastGlobalStartAt) OR NOT attribute_type(lastGlobalStartAt, :number)";

/** The last global start and the virtual time (both absent before the first start). */
export async function getSchedulerState(t: Table, onCorrupt?: OnCorrupt): Promise<SchedulerState> {
  const report = reportTo(t.report, onCorrupt);
  const { Item } = await t.doc.send(
    new GetCommand({ TableName: t.name, Key: SCHEDULER_KEY, ConsistentRead: true }),
  );
  const item = Item ? readItem(schedulerItemSchema, Item, report) : undefined;
  return {
    lastGlobalStartAt: item?.lastGlobalStartAt,
    virtualTime: item?.virtualTime,
    virtualTimeAt: item?.virtualTimeAt,
  };
}

/** When the last start was, across the scheduler (undefined before the first). */
export async function getLastGlobalStart(t: Table): Promise<number | undefined> {
  return (await getSchedulerState(t)).lastGlobalStartAt;
}

/**
 * Takes the global start slot if no start happened in the last `minIntervalMs`, and sets
 * the scheduler's virtual time (never backwards). Returns what the item held, so a
 * claimer that then starts nothing can give it back.
 */
export async function claimGlobalSlot(
  t: Table,
  now: number,
  minIntervalMs: number,
  token: string,
  virtualTime: number,
): Promise<GlobalSlot> {
  try {
    const { Attributes } = await t.doc.send(
      new UpdateCommand({
        TableName: t.name,
        Key: SCHEDULER_KEY,
        UpdateExpression:
          "SET lastGlobalStartAt = :now, lastGlobalToken = :token, virtualTime = :v, virtualTimeAt = :now",
        ConditionExpression: `(${NO_START_SINCE} OR lastGlobalStartAt <= :threshold) AND (attribute_not_exists(virtualTime) OR NOT attribute_type(virtualTime, :number) OR virtualTime <= :v)`,
        ExpressionAttributeValues: {
          ":now": now,
          ":token": token,
          ":threshold": now - minIntervalMs,
          ":number": "N",
          ":v": virtualTime,
        },
        ReturnValues: "ALL_OLD",
      }),
    );
    const number = (v: unknown) => (typeof v === "number" ? v : undefined);
    return {
      claimed: true,
      previous: {
        lastGlobalStartAt: number(Attributes?.lastGlobalStartAt),
        virtualTime: number(Attributes?.virtualTime),
        virtualTimeAt: number(Attributes?.virtualTimeAt),
      },
    };
  } catch (err) {
    if (isConditionalCheckFailed(err)) return { claimed: false };
    throw err;
  }
}

/** Undoes claimGlobalSlot, unless another claimer has moved the slot since. */
export async function releaseGlobalSlot(
  t: Table,
  token: string,
  previous: GlobalSlotState,
): Promise<void> {
  const set: string[] = [];
  const remove = ["lastGlobalToken"];
  const values: Record<string, unknown> = { ":token": token };
  for (const field of ["lastGlobalStartAt", "virtualTime", "virtualTimeAt"] as const) {
    const value = previous[field];
    if (value === undefined) remove.push(field);
    else {
      set.push(`${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: SCHEDULER_KEY,
      UpdateExpression: `${set.length ? `SET ${set.join(", ")} ` : ""}REMOVE ${remove.join(", ")}`,
      ConditionExpression: "lastGlobalToken = :token",
      ExpressionAttributeValues: values,
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
