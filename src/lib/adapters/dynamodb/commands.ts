import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Command, type CommandSpec, commandSpecSchema } from "../../core/command.js";
import {
  DuplicateCommandError,
  isConditionalCheckFailed,
  UnknownCommandError,
} from "../../core/errors.js";
import { type CorruptItem, LEASE_FIELDS, type OnCorrupt } from "../../core/ports.js";
import { SCHEDULE_FIELDS, type ScheduledCommand } from "../../core/scheduled-command.js";
import {
  checkCommandItem,
  checkScheduledItem,
  parseCommandItem,
  readItems,
  reportTo,
} from "./items.js";
import { COMMANDS, commandKey } from "./keys.js";
import { deleteRunsBeyond } from "./runs.js";
import { countAll, queryAll, type Table, writeIf } from "./table-io.js";

/** The CMD partition: each command's spec, schedule state and lease. */

const SPEC_FIELDS = Object.keys(commandSpecSchema.shape) as (keyof CommandSpec)[];

/** All commands with one paged Query; the corrupt items come back too (and are reported). */
export async function listCommands(
  t: Table,
  onCorrupt?: OnCorrupt,
): Promise<{ commands: Command[]; corrupt: CorruptItem[] }> {
  const report = reportTo(t.report, onCorrupt);
  const corrupt: CorruptItem[] = [];
  // Decisions are made on this read: a stale one would only lose its claims.
  const commands = await readItems(
    queryAll(t, { pk: COMMANDS, consistent: true }),
    (item) => checkCommandItem(item, t.knownType),
    (item) => {
      corrupt.push(item);
      report(item);
    },
  );
  return { commands, corrupt };
}

/**
 * Every command's scheduling attributes (SCHEDULE_FIELDS), one paged Query: what a tick
 * reads, whatever the size of the definitions. Corrupt items are reported as in listCommands.
 */
export async function listForSchedule(
  t: Table,
  onCorrupt?: OnCorrupt,
): Promise<{ commands: ScheduledCommand[]; corrupt: CorruptItem[] }> {
  const report = reportTo(t.report, onCorrupt);
  const corrupt: CorruptItem[] = [];
  const items = queryAll(t, { pk: COMMANDS, consistent: true, attributes: SCHEDULE_FIELDS });
  const commands = await readItems(
    items,
    (item) => checkScheduledItem(item, t.knownType),
    (item) => {
      corrupt.push(item);
      report(item);
    },
  );
  return { commands, corrupt };
}

/** How many command items there are (a paged COUNT query: no item comes back). */
export function countCommands(t: Table): Promise<number> {
  return countAll(t, COMMANDS);
}

export async function getCommand(t: Table, id: string): Promise<Command | undefined> {
  const { Item } = await t.doc.send(
    new GetCommand({ TableName: t.name, Key: commandKey(id), ConsistentRead: true }),
  );
  return Item ? parseCommandItem(Item, t.knownType) : undefined;
}

export async function addCommand(t: Table, spec: CommandSpec, now: number): Promise<void> {
  const written = await writeIf(
    t,
    new PutCommand({
      TableName: t.name,
      Item: { ...commandKey(spec.id), ...spec, createdAt: now },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  if (!written) throw new DuplicateCommandError(spec.id);
}

/** Replaces the spec of an existing command; schedule state, lease and pause survive. */
export async function updateCommand(t: Table, spec: Omit<CommandSpec, "paused">): Promise<Command> {
  const fields = SPEC_FIELDS.filter((f) => f !== "paused" && f !== "id");
  const set = fields.filter((f) => spec[f as keyof typeof spec] !== undefined);
  const remove = fields.filter((f) => spec[f as keyof typeof spec] === undefined);
  const names = Object.fromEntries([...set, ...remove].map((f) => [`#${f}`, f]));
  const values = Object.fromEntries(set.map((f) => [`:${f}`, spec[f as keyof typeof spec]]));
  const expression =
    `SET ${set.map((f) => `#${f} = :${f}`).join(", ")}` +
    (remove.length ? ` REMOVE ${remove.map((f) => `#${f}`).join(", ")}` : "");
  try {
    const { Attributes } = await t.doc.send(
      new UpdateCommand({
        TableName: t.name,
        Key: commandKey(spec.id),
        UpdateExpression: expression,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return parseCommandItem(Attributes ?? {}, t.knownType);
  } catch (err) {
    if (isConditionalCheckFailed(err)) throw new UnknownCommandError(spec.id);
    throw err;
  }
}

export async function setPaused(t: Table, id: string, paused: boolean): Promise<void> {
  const written = await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: commandKey(id),
      UpdateExpression: "SET paused = :p",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":p": paused },
    }),
  );
  if (!written) throw new UnknownCommandError(id);
}

/** Keeps the latest result's hash on the command item (no item: nothing to keep it on). */
export async function recordResultHash(t: Table, id: string, hash: string): Promise<void> {
  await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: commandKey(id),
      UpdateExpression: "SET lastResultHash = :h",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":h": hash },
    }),
  );
}

/** Deletes the command, then its run history. */
export async function removeCommand(t: Table, id: string): Promise<void> {
  const written = await writeIf(
    t,
    new DeleteCommand({
      TableName: t.name,
      Key: commandKey(id),
      ConditionExpression: "attribute_exists(pk)",
    }),
  );
  if (!written) throw new UnknownCommandError(id);
  await deleteRunsBeyond(t, id, 0);
}

/**
 * Writes a command with its schedule state as given (an import), replacing the item.
 * Never while a run holds the command's lease: returns false then, writing nothing.
 */
export async function putCommandWithState(t: Table, command: Command): Promise<boolean> {
  const item: Record<string, unknown> = { ...commandKey(command.id) };
  for (const [key, value] of Object.entries(command)) {
    if (value !== undefined && !(LEASE_FIELDS as readonly string[]).includes(key))
      item[key] = value;
  }
  return writeIf(
    t,
    new PutCommand({
      TableName: t.name,
      Item: item,
      ConditionExpression: "attribute_not_exists(leaseRunId)",
    }),
  );
}
