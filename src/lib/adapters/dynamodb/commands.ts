import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Command,
  type CommandSpec,
  commandSpecSchema,
  type RunClaim,
  type RunRecord,
} from "../../core/command.js";
import {
  DuplicateCommandError,
  isConditionalCheckFailed,
  UnknownCommandError,
} from "../../core/errors.js";
import type { ClaimRequest, CorruptItem, OnCorrupt } from "../../core/ports.js";
import { SCHEDULE_FIELDS, type ScheduledCommand } from "../../core/scheduled-command.js";
import { checkCommandItem, checkScheduledItem, parseCommandItem, readItems } from "./items.js";
import { COMMANDS, commandKey } from "./keys.js";
import { deleteRunsBeyond, putRun } from "./runs.js";
import { countAll, queryAll, type Table, writeIf } from "./table-io.js";

/** The CMD partition: each command's spec, schedule state and lease. */

const SPEC_FIELDS = Object.keys(commandSpecSchema.shape) as (keyof CommandSpec)[];
const LEASE_FIELDS = [
  "leaseRunId",
  "leaseOwner",
  "leaseExpiresAt",
  "leaseWorker",
  "leaseRenewedAt",
  "leaseRenewals",
] as const;

/** All commands with one paged Query; the corrupt items come back too (and are reported). */
export async function listCommands(
  t: Table,
  report: OnCorrupt,
): Promise<{ commands: Command[]; corrupt: CorruptItem[] }> {
  const corrupt: CorruptItem[] = [];
  // Decisions are made on this read: a stale one would only lose its claims.
  const commands = await readItems(
    queryAll(t, { pk: COMMANDS, consistent: true }),
    checkCommandItem,
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
  report: OnCorrupt,
): Promise<{ commands: ScheduledCommand[]; corrupt: CorruptItem[] }> {
  const corrupt: CorruptItem[] = [];
  const items = queryAll(t, { pk: COMMANDS, consistent: true, attributes: SCHEDULE_FIELDS });
  const commands = await readItems(items, checkScheduledItem, (item) => {
    corrupt.push(item);
    report(item);
  });
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
  return Item ? parseCommandItem(Item) : undefined;
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
    return parseCommandItem(Attributes ?? {});
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
 * Takes the command's lease and marks it started. Fails (returns false) when the
 * command is gone, paused, leased, or, for scheduled starts, started by someone else
 * since the caller read it.
 */
export async function claimLease(t: Table, id: string, req: ClaimRequest): Promise<boolean> {
  const conditions = ["attribute_exists(pk)", "attribute_not_exists(leaseRunId)"];
  const values: Record<string, unknown> = {
    ":run": req.runId,
    ":owner": req.owner,
    ":exp": req.expiresAt,
    ":now": req.now,
    ":due": req.schedule.dueAt,
    ":vf": req.schedule.virtualFinish,
  };
  if (req.expectedLastStartAt === undefined) conditions.push("attribute_not_exists(lastStartAt)");
  else if (req.expectedLastStartAt !== "any") {
    conditions.push("lastStartAt = :seen");
    values[":seen"] = req.expectedLastStartAt;
  }
  if (req.expectedLastStartAt !== "any") {
    conditions.push("(attribute_not_exists(paused) OR paused = :false)");
    values[":false"] = false;
  }
  // No ReturnValues: the roles' dynamodb:Attributes condition (deploy/iam-roles.yml)
  // refuses ALL_NEW, which would read the command's spec through a lease write.
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: commandKey(id),
      UpdateExpression:
        "SET leaseRunId = :run, leaseOwner = :owner, leaseExpiresAt = :exp, lastStartAt = :now, lastRunId = :run, dueAt = :due, virtualFinish = :vf",
      ConditionExpression: conditions.join(" AND "),
      ExpressionAttributeValues: values,
    }),
  );
}

/**
 * Marks the claimed run started by `worker` and sets its lease to `expiresAt`, only while
 * the claim holds an unexpired lease that no worker has started yet. False for a
 * redelivered dispatch (the run was started already) and for a lost lease: either way the
 * caller must run nothing.
 */
export async function startRun(
  t: Table,
  claim: Pick<RunClaim, "commandId" | "runId">,
  worker: string,
  now: number,
  expiresAt: number,
): Promise<boolean> {
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: commandKey(claim.commandId),
      UpdateExpression:
        "SET leaseWorker = :worker, leaseRenewedAt = :now, leaseExpiresAt = :exp, leaseRenewals = :zero",
      ConditionExpression:
        "leaseRunId = :run AND leaseExpiresAt > :now AND attribute_not_exists(leaseWorker)",
      ExpressionAttributeValues: {
        ":worker": worker,
        ":now": now,
        ":exp": expiresAt,
        ":zero": 0,
        ":run": claim.runId,
      },
    }),
  );
}

/**
 * Extends the run's lease to `expiresAt`, only while the run still holds it. A renewal
 * after the expiry still succeeds when nobody has recovered the lease: the condition is
 * on the holder, and recovery's on the holder and the expiry, so one of the two wins.
 */
export async function renewLease(
  t: Table,
  claim: Pick<RunClaim, "commandId" | "runId">,
  now: number,
  expiresAt: number,
): Promise<boolean> {
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: commandKey(claim.commandId),
      UpdateExpression: "SET leaseExpiresAt = :exp, leaseRenewedAt = :now ADD leaseRenewals :one",
      ConditionExpression: "leaseRunId = :run",
      ExpressionAttributeValues: { ":exp": expiresAt, ":now": now, ":one": 1, ":run": claim.runId },
    }),
  );
}

/**
 * Records the result on the command and releases the lease, only while `claim` still
 * holds it. Returns false for a late finisher, whose result must not overwrite the
 * state of a newer run; its run record is still written (marked late).
 */
export async function finishRun(
  t: Table,
  claim: RunClaim,
  run: RunRecord,
  maxRunHistory: number,
): Promise<boolean> {
  // The record goes first. Without transactions (dynalite has none) a store failure
  // between the two writes must leave the lease, not lose the run: the lease then
  // expires and recovery keeps this record, since it never overwrites one.
  await putRun(t, run, maxRunHistory);
  const current = await writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: commandKey(claim.commandId),
      UpdateExpression:
        run.exitCode === null
          ? `SET lastEndAt = :end, lastDurationMs = :dur, lastOutcome = :outcome REMOVE lastExitCode, ${LEASE_FIELDS.join(", ")}`
          : `SET lastEndAt = :end, lastExitCode = :code, lastDurationMs = :dur, lastOutcome = :outcome REMOVE ${LEASE_FIELDS.join(", ")}`,
      ConditionExpression: "leaseRunId = :run",
      ExpressionAttributeValues: {
        ":end": run.endedAt,
        ...(run.exitCode === null ? {} : { ":code": run.exitCode }),
        ":dur": run.durationMs,
        ":outcome": run.outcome,
        ":run": claim.runId,
      },
    }),
  );
  if (!current) await putRun(t, { ...run, late: true }, maxRunHistory);
  return current;
}

/**
 * Frees a lease that expired without its run finishing (the runner crashed or timed
 * out) and records `run` (see abandonedRunRecord) for it. False when the lease was not
 * expired or someone else recovered it first.
 */
export async function recoverExpiredLease(
  t: Table,
  command: Pick<Command, "id">,
  run: RunRecord,
  now: number,
  maxRunHistory: number,
): Promise<boolean> {
  // Record first, as in finishRun, so a failure between the writes loses no run. A
  // finisher writes its record before it releases the lease, so a real result is never
  // replaced by this one (and overwrites it if it comes later).
  await putRun(t, run, maxRunHistory, { onlyIfAbsent: true });
  return writeIf(
    t,
    new UpdateCommand({
      TableName: t.name,
      Key: commandKey(command.id),
      UpdateExpression: `SET lastEndAt = :now, lastOutcome = :abandoned REMOVE ${LEASE_FIELDS.join(", ")}, lastExitCode, lastDurationMs`,
      ConditionExpression: "leaseRunId = :run AND leaseExpiresAt < :now",
      ExpressionAttributeValues: { ":now": now, ":abandoned": "abandoned", ":run": run.runId },
    }),
  );
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
