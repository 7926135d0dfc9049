import { randomUUID } from "node:crypto";
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import {
  type Command,
  type CommandSpec,
  commandSpecSchema,
  commandStateSchema,
  epochMsSchema,
  RUN_OUTCOMES,
  type RunClaim,
  type RunRecord,
} from "../../core/command.js";
import type {
  AuditStore,
  AuditTime,
  ClaimRequest,
  CommandAdmin,
  CommandStore,
  CorruptItem,
  DeadLetter,
  GlobalSlot,
  MetricLabels,
  NotifyState,
  NotifyStore,
  OnCorrupt,
  SchedulerStore,
  StoredMetric,
  TransferStore,
} from "../../core/ports.js";
import {
  DuplicateCommandError,
  isConditionalCheckFailed,
  UnknownCommandError,
} from "../../core/errors.js";

/**
 * The one module that knows the table layout (see docs/ARCHITECTURE in shared/design):
 *   CMD / <id>                   command spec + schedule state + lease
 *   RUN#<id> / <startIso>#<run>  one run, newest `maxRunHistory` kept
 *   GLOBAL / SCHEDULER           last global start, last startup announcement
 *   GLOBAL / NOTIFY              last message times (heartbeat suppression)
 *   METRICS / <name>#<labels>    counters (atomic ADD) and gauges
 *   DLQ / <iso>#<uuid>           undelivered notifications, until redriven
 *   AUDIT / <workItemId>         last triage audit of a work item (by AMPA or imported)
 * Every write is a single-item (conditional) write: no transactions, no TTL. The one
 * exception is `bulkLoad`, batched unconditional puts used only to seed benchmarks.
 */
const CMD = "CMD";
const GLOBAL = "GLOBAL";
const SCHEDULER = "SCHEDULER";
const NOTIFY = "NOTIFY";
const DLQ = "DLQ";
const METRICS = "METRICS";
const AUDIT = "AUDIT";
const runPk = (id: string) => `RUN#${id}`;

/** Labels sorted so one metric series always maps to one item. */
const metricKey = (name: string, labels: MetricLabels) => {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return parts.length ? `${name}#${parts.join(",")}` : name;
};

const notifyStateSchema: z.ZodType<NotifyState> = z.object({
  lastMessageAt: z.number().optional(),
  lastMessageKind: z.string().optional(),
  lastHeartbeatAt: z.number().optional(),
  lastNonHeartbeatAt: z.number().optional(),
});

const deadLetterSchema: z.ZodType<DeadLetter> = z.object({
  id: z.string(),
  kind: z.string(),
  content: z.string(),
  reason: z.string(),
  attempts: z.number(),
  createdAt: epochMsSchema,
  redriveAttempts: z.number().optional(),
  lastAttemptAt: z.number().optional(),
});

const storedMetricSchema: z.ZodType<StoredMetric> = z
  .object({
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    kind: z.enum(["counter", "gauge"]),
    value: z.number(),
  })
  // prom-client throws on a counter below zero, which would take all of /metrics down.
  .refine((m) => m.kind !== "counter" || m.value >= 0, "a counter must not be negative");
const runSk = (startedAt: number, runId: string) => `${new Date(startedAt).toISOString()}#${runId}`;

const SPEC_FIELDS = Object.keys(commandSpecSchema.shape) as (keyof CommandSpec)[];
const LEASE_FIELDS = ["leaseRunId", "leaseOwner", "leaseExpiresAt"] as const;

const commandItemSchema = z.object({ ...commandSpecSchema.shape, ...commandStateSchema.shape });

const runItemSchema = z.object({
  commandId: z.string(),
  runId: z.string(),
  trigger: z.enum(["schedule", "run-once"]),
  startedAt: epochMsSchema,
  endedAt: epochMsSchema,
  durationMs: z.number(),
  exitCode: z.number().nullable(),
  outcome: z.enum(RUN_OUTCOMES),
  output: z.string(),
  outputTruncatedBytes: z.number(),
  late: z.boolean().optional(),
});

const auditItemSchema: z.ZodType<AuditTime> = z.object({
  workItemId: z.string(),
  lastAuditAt: epochMsSchema,
  commandId: z.string(),
});

export interface StoreOptions {
  tableName: string;
  maxRunHistory: number;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(item)"}: ${i.message}`).join("; ");
}

export function parseCommandItem(item: Record<string, unknown>): Command {
  const parsed = commandItemSchema.safeParse(item);
  if (!parsed.success)
    throw new Error(`corrupt command item ${String(item.sk)}: ${describeIssues(parsed.error)}`);
  // An item under another command's key would be listed, exported and run as that command.
  if (parsed.data.id !== item.sk)
    throw new Error(
      `corrupt command item ${String(item.sk)}: its id ${JSON.stringify(parsed.data.id)} is not its key`,
    );
  return parsed.data;
}

/** The item if it parses, else undefined after telling `onCorrupt`. */
function parseOrReport<T>(
  schema: z.ZodType<T>,
  item: Record<string, unknown>,
  onCorrupt: OnCorrupt | undefined,
): T | undefined {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  onCorrupt?.({
    key: `${String(item.pk)}/${String(item.sk)}`,
    error: describeIssues(parsed.error),
  });
  return undefined;
}

export class Store
  implements CommandStore, CommandAdmin, SchedulerStore, NotifyStore, AuditStore, TransferStore
{
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly options: StoreOptions,
  ) {}

  private get table(): string {
    return this.options.tableName;
  }

  /** All commands with one paged Query. Items that do not parse are reported, not thrown. */
  async listCommands(): Promise<{ commands: Command[]; corrupt: CorruptItem[] }> {
    const commands: Command[] = [];
    const corrupt: CorruptItem[] = [];
    // Decisions are made on this read: a stale one would only lose its claims.
    for await (const item of this.queryAll({ pk: CMD, consistent: true })) {
      try {
        commands.push(parseCommandItem(item));
      } catch (err) {
        corrupt.push({ key: `${CMD}/${String(item.sk)}`, error: (err as Error).message });
      }
    }
    return { commands, corrupt };
  }

  async getCommand(id: string): Promise<Command | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: CMD, sk: id }, ConsistentRead: true }),
    );
    return Item ? parseCommandItem(Item) : undefined;
  }

  async addCommand(spec: CommandSpec, now: number): Promise<void> {
    const written = await this.conditionally(
      new PutCommand({
        TableName: this.table,
        Item: { pk: CMD, sk: spec.id, ...spec, createdAt: now },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    if (!written) throw new DuplicateCommandError(spec.id);
  }

  /** Replaces the spec of an existing command; schedule state, lease and pause survive. */
  async updateCommand(spec: Omit<CommandSpec, "paused">): Promise<Command> {
    const fields = SPEC_FIELDS.filter((f) => f !== "paused" && f !== "id");
    const set = fields.filter((f) => spec[f as keyof typeof spec] !== undefined);
    const remove = fields.filter((f) => spec[f as keyof typeof spec] === undefined);
    const names = Object.fromEntries([...set, ...remove].map((f) => [`#${f}`, f]));
    const values = Object.fromEntries(set.map((f) => [`:${f}`, spec[f as keyof typeof spec]]));
    const expression =
      `SET ${set.map((f) => `#${f} = :${f}`).join(", ")}` +
      (remove.length ? ` REMOVE ${remove.map((f) => `#${f}`).join(", ")}` : "");
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: CMD, sk: spec.id },
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

  async setPaused(id: string, paused: boolean): Promise<void> {
    const written = await this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: CMD, sk: id },
        UpdateExpression: "SET paused = :p",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":p": paused },
      }),
    );
    if (!written) throw new UnknownCommandError(id);
  }

  /** Deletes the command, then its run history. */
  async removeCommand(id: string): Promise<void> {
    const written = await this.conditionally(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: CMD, sk: id },
        ConditionExpression: "attribute_exists(pk)",
      }),
    );
    if (!written) throw new UnknownCommandError(id);
    await this.deleteRunsBeyond(id, 0);
  }

  async getLastGlobalStart(): Promise<number | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: GLOBAL, sk: SCHEDULER },
        ConsistentRead: true,
      }),
    );
    return epochMsSchema.safeParse(Item?.lastGlobalStartAt).data;
  }

  /**
   * Takes the global start slot if no start happened in the last `minIntervalMs`.
   * Returns the previous value so a claimer that then starts nothing can give it back.
   */
  async claimGlobalSlot(now: number, minIntervalMs: number, token: string): Promise<GlobalSlot> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: GLOBAL, sk: SCHEDULER },
          UpdateExpression: "SET lastGlobalStartAt = :now, lastGlobalToken = :token",
          // A value that is not a number (a hand edit) would fail the comparison forever
          // and stop every start: it counts as no start at all.
          ConditionExpression:
            "attribute_not_exists(lastGlobalStartAt) OR NOT attribute_type(lastGlobalStartAt, :number) OR lastGlobalStartAt <= :threshold",
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
  async releaseGlobalSlot(token: string, previous: number | undefined): Promise<void> {
    await this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: GLOBAL, sk: SCHEDULER },
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

  /**
   * Takes the command's lease and marks it started. Fails (returns undefined) when the
   * command is gone, paused, leased, or, for scheduled starts, started by someone else
   * since the caller read it.
   */
  async claimLease(id: string, req: ClaimRequest): Promise<Command | undefined> {
    const conditions = ["attribute_exists(pk)", "attribute_not_exists(leaseRunId)"];
    const values: Record<string, unknown> = {
      ":run": req.runId,
      ":owner": req.owner,
      ":exp": req.expiresAt,
      ":now": req.now,
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
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: CMD, sk: id },
          UpdateExpression:
            "SET leaseRunId = :run, leaseOwner = :owner, leaseExpiresAt = :exp, lastStartAt = :now, lastRunId = :run",
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return parseCommandItem(Attributes ?? {});
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  /**
   * Records the result on the command and releases the lease, only while `claim` still
   * holds it. Returns false for a late finisher, whose result must not overwrite the
   * state of a newer run; its run record is still written (marked late).
   */
  async finishRun(claim: RunClaim, run: RunRecord): Promise<boolean> {
    // The record goes first. Without transactions (dynalite has none) a store failure
    // between the two writes must leave the lease, not lose the run: the lease then
    // expires and recovery keeps this record, since it never overwrites one.
    await this.putRun(run);
    const current = await this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: CMD, sk: claim.commandId },
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
    if (!current) await this.putRun({ ...run, late: true });
    return current;
  }

  /**
   * Frees a lease that expired without its run finishing (the runner crashed or timed
   * out) and records `run` (see abandonedRunRecord) for it. False when the lease was not
   * expired or someone else recovered it first.
   */
  async recoverExpiredLease(command: Command, run: RunRecord, now: number): Promise<boolean> {
    // Record first, as in finishRun, so a failure between the writes loses no run. A
    // finisher writes its record before it releases the lease, so a real result is never
    // replaced by this one (and overwrites it if it comes later).
    await this.putRun(run, { onlyIfAbsent: true });
    const recovered = await this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: CMD, sk: command.id },
        UpdateExpression: `SET lastEndAt = :now, lastOutcome = :abandoned REMOVE ${LEASE_FIELDS.join(", ")}, lastExitCode, lastDurationMs`,
        ConditionExpression: "leaseRunId = :run AND leaseExpiresAt < :now",
        ExpressionAttributeValues: { ":now": now, ":abandoned": "abandoned", ":run": run.runId },
      }),
    );
    return recovered;
  }

  // ── Notifications: last message times, startup announcement, dead letters ──────────

  async getNotifyState(): Promise<NotifyState> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: GLOBAL, sk: NOTIFY },
        ConsistentRead: true,
      }),
    );
    const parsed = notifyStateSchema.safeParse(Item ?? {});
    return parsed.success ? parsed.data : {};
  }

  /**
   * Records that a message of `kind` went out at `at`. Messages that show AMPA doing its
   * work (`quietsHeartbeat`) hold scheduled heartbeats back for a while.
   */
  async recordMessageSent(kind: string, at: number, quietsHeartbeat: boolean): Promise<void> {
    const set = ["lastMessageAt = :at", "lastMessageKind = :kind"];
    if (kind === "heartbeat") set.push("lastHeartbeatAt = :at");
    if (quietsHeartbeat) set.push("lastNonHeartbeatAt = :at");
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: GLOBAL, sk: NOTIFY },
        UpdateExpression: `SET ${set.join(", ")}`,
        ExpressionAttributeValues: { ":at": at, ":kind": kind },
      }),
    );
  }

  /**
   * True for exactly one caller per build id: whoever records it first announces the
   * start of that build (a conditional write; every cold container of the build tries).
   */
  async claimStartupAnnouncement(buildId: string, now: number): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: GLOBAL, sk: SCHEDULER },
        UpdateExpression: "SET lastStartupBuild = :build, lastStartupAt = :now",
        ConditionExpression: "attribute_not_exists(lastStartupBuild) OR lastStartupBuild <> :build",
        ExpressionAttributeValues: { ":build": buildId, ":now": now },
      }),
    );
  }

  async putDeadLetter(letter: Omit<DeadLetter, "id">): Promise<DeadLetter> {
    const id = `${new Date(letter.createdAt).toISOString()}#${randomUUID()}`;
    const stored: DeadLetter = { ...letter, id };
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { pk: DLQ, sk: id, ...stored } }),
    );
    return stored;
  }

  /** Oldest first. Items that do not parse are skipped (and counted by countDeadLetters). */
  async listDeadLetters(): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for await (const item of this.queryAll({ pk: DLQ, consistent: true })) {
      const parsed = deadLetterSchema.safeParse(item);
      if (parsed.success) letters.push(parsed.data);
    }
    return letters;
  }

  async countDeadLetters(): Promise<number> {
    let count = 0;
    for await (const _item of this.queryAll({ pk: DLQ, keysOnly: true })) count++;
    return count;
  }

  /**
   * Takes a dead letter for redrive so that two concurrent redrives never send it twice.
   * Returns false when another redrive holds it or it is gone.
   */
  async claimDeadLetter(id: string, token: string, now: number, leaseMs: number): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: DLQ, sk: id },
        UpdateExpression: "SET redriveToken = :token, redriveUntil = :until",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(redriveUntil) OR redriveUntil < :now)",
        ExpressionAttributeValues: { ":token": token, ":until": now + leaseMs, ":now": now },
      }),
    );
  }

  /** Deletes a delivered dead letter; only the redrive holding it may. */
  async deleteDeadLetter(id: string, token: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: DLQ, sk: id },
        ConditionExpression: "redriveToken = :token",
        ExpressionAttributeValues: { ":token": token },
      }),
    );
  }

  /** Gives a dead letter back after a failed redrive, noting the attempt. */
  async releaseDeadLetter(id: string, token: string, reason: string, now: number): Promise<void> {
    await this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: DLQ, sk: id },
        UpdateExpression:
          "SET reason = :reason, lastAttemptAt = :now ADD redriveAttempts :one REMOVE redriveToken, redriveUntil",
        ConditionExpression: "redriveToken = :token",
        ExpressionAttributeValues: { ":token": token, ":reason": reason, ":now": now, ":one": 1 },
      }),
    );
  }

  // ── Metrics: counters and gauges shared by every container ──────────────────────────

  /** Atomically adds to a counter (created at 0 on first use). */
  async incrementCounter(name: string, labels: MetricLabels = {}, by = 1): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: METRICS, sk: metricKey(name, labels) },
        UpdateExpression: "SET #name = :name, labels = :labels, kind = :kind ADD #value :by",
        ExpressionAttributeNames: { "#name": "name", "#value": "value" },
        ExpressionAttributeValues: {
          ":name": name,
          ":labels": labels,
          ":kind": "counter",
          ":by": by,
        },
      }),
    );
  }

  async setGauge(name: string, labels: MetricLabels, value: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: METRICS, sk: metricKey(name, labels) },
        UpdateExpression: "SET #name = :name, labels = :labels, kind = :kind, #value = :value",
        ExpressionAttributeNames: { "#name": "name", "#value": "value" },
        ExpressionAttributeValues: {
          ":name": name,
          ":labels": labels,
          ":kind": "gauge",
          ":value": value,
        },
      }),
    );
  }

  async listMetrics(onCorrupt?: OnCorrupt): Promise<StoredMetric[]> {
    const metrics: StoredMetric[] = [];
    for await (const item of this.queryAll({ pk: METRICS, consistent: true })) {
      const parsed = parseOrReport(storedMetricSchema, item, onCorrupt);
      if (parsed) metrics.push(parsed);
    }
    return metrics;
  }

  private async putRun(run: RunRecord, { onlyIfAbsent = false } = {}): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: runPk(run.commandId), sk: runSk(run.startedAt, run.runId), ...run },
          ...(onlyIfAbsent ? { ConditionExpression: "attribute_not_exists(pk)" } : {}),
        }),
      );
    } catch (err) {
      if (onlyIfAbsent && isConditionalCheckFailed(err)) return;
      throw err;
    }
    await this.deleteRunsBeyond(run.commandId, this.options.maxRunHistory);
  }

  /** Newest first. */
  async listRuns(id: string, limit = this.options.maxRunHistory): Promise<RunRecord[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": runPk(id) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).flatMap((item) => {
      const parsed = runItemSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** Deletes all but the newest `keep` runs of a command. */
  private async deleteRunsBeyond(id: string, keep: number): Promise<void> {
    let seen = 0;
    for await (const item of this.queryAll({ pk: runPk(id), keysOnly: true, newestFirst: true })) {
      seen++;
      if (seen > keep) {
        await this.doc.send(
          new DeleteCommand({ TableName: this.table, Key: { pk: item.pk, sk: item.sk } }),
        );
      }
    }
  }

  /** Sends a conditional write; false (not an error) when its condition does not hold. */
  private async conditionally(
    command: PutCommand | UpdateCommand | DeleteCommand,
  ): Promise<boolean> {
    try {
      // send() is overloaded per command type and accepts no union; all three are writes.
      await this.doc.send(command as UpdateCommand);
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** Every item of one partition, page by page (each page at most 1 MB). */
  private async *queryAll(opts: {
    pk: string;
    consistent?: boolean;
    keysOnly?: boolean;
    newestFirst?: boolean;
  }): AsyncGenerator<Record<string, unknown>> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": opts.pk },
          ...(opts.consistent ? { ConsistentRead: true } : {}),
          ...(opts.keysOnly ? { ProjectionExpression: "pk, sk" } : {}),
          ...(opts.newestFirst ? { ScanIndexForward: false } : {}),
          ExclusiveStartKey: startKey,
        }),
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  // ---- Import / export of the Python daemon's store, status, benchmark seeding ----

  /**
   * Writes a command with its schedule state as given (an import), replacing the item.
   * Never while a run holds the command's lease: returns false then, writing nothing.
   */
  async putCommandWithState(command: Command): Promise<boolean> {
    const item: Record<string, unknown> = { pk: CMD, sk: command.id };
    for (const [key, value] of Object.entries(command)) {
      if (value !== undefined && !(LEASE_FIELDS as readonly string[]).includes(key))
        item[key] = value;
    }
    return this.conditionally(
      new PutCommand({
        TableName: this.table,
        Item: item,
        ConditionExpression: "attribute_not_exists(leaseRunId)",
      }),
    );
  }

  /** Writes one run record as given, without trimming the history (see `deleteRun`). */
  async putRunRecord(run: RunRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: runPk(run.commandId), sk: runSk(run.startedAt, run.runId), ...run },
      }),
    );
  }

  async deleteRun(run: Pick<RunRecord, "commandId" | "startedAt" | "runId">): Promise<void> {
    await this.doc.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: runPk(run.commandId), sk: runSk(run.startedAt, run.runId) },
      }),
    );
  }

  /** Every stored run of a command, newest first, across as many pages as it takes. */
  async listAllRuns(id: string, onCorrupt?: OnCorrupt): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    for await (const item of this.queryAll({
      pk: runPk(id),
      consistent: true,
      newestFirst: true,
    })) {
      const parsed = parseOrReport(runItemSchema, item, onCorrupt);
      if (parsed) runs.push(parsed);
    }
    return runs;
  }

  /** Every work item's last triage audit time. */
  async listAuditTimes(onCorrupt?: OnCorrupt): Promise<AuditTime[]> {
    const audits: AuditTime[] = [];
    for await (const item of this.queryAll({ pk: AUDIT, consistent: true })) {
      const parsed = parseOrReport(auditItemSchema, item, onCorrupt);
      if (parsed) audits.push(parsed);
    }
    return audits;
  }

  /** Records a work item's audit time unless the store already holds a later one. */
  async putAuditTime(audit: AuditTime): Promise<boolean> {
    return this.conditionally(
      new PutCommand({
        TableName: this.table,
        Item: { pk: AUDIT, sk: audit.workItemId, ...audit },
        ConditionExpression: "attribute_not_exists(pk) OR lastAuditAt < :at",
        ExpressionAttributeValues: { ":at": audit.lastAuditAt },
      }),
    );
  }

  /** Moves the last global start forward to `at`; never backwards. */
  async advanceLastGlobalStart(at: number): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: GLOBAL, sk: SCHEDULER },
        UpdateExpression: "SET lastGlobalStartAt = :at",
        ConditionExpression:
          "attribute_not_exists(lastGlobalStartAt) OR NOT attribute_type(lastGlobalStartAt, :number) OR lastGlobalStartAt < :at",
        ExpressionAttributeValues: { ":at": at, ":number": "N" },
      }),
    );
  }

  /**
   * Benchmark seeding only: unconditional batched puts (25 items a request) of commands
   * and runs, retrying what DynamoDB leaves unprocessed. Not for live tables: it skips
   * every check the scheduler relies on.
   */
  async bulkLoad({
    commands = [],
    runs = [],
  }: {
    commands?: Command[];
    runs?: RunRecord[];
  }): Promise<void> {
    const items: Record<string, unknown>[] = [
      ...commands.map((c) => ({ pk: CMD, sk: c.id, ...c })),
      ...runs.map((r) => ({ pk: runPk(r.commandId), sk: runSk(r.startedAt, r.runId), ...r })),
    ];
    for (let i = 0; i < items.length; i += 25) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] = items
        .slice(i, i + 25)
        .map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 10) throw new Error("bulkLoad: items left unprocessed after 10 retries");
        const { UnprocessedItems } = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: requests } }),
        );
        requests = (UnprocessedItems?.[this.table] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
      }
    }
  }

  /** When a triage audit last looked at a Worklog item (epoch ms); undefined when never. */
  async getLastAudit(workItemId: string): Promise<number | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: AUDIT, sk: workItemId } }),
    );
    const parsed = auditItemSchema.safeParse(Item ?? {});
    return parsed.success ? parsed.data.lastAuditAt : undefined;
  }

  /** Records an audit of a Worklog item by a command; an older time never replaces a newer one. */
  async recordAudit(workItemId: string, at: number, commandId: string): Promise<void> {
    await this.putAuditTime({ workItemId, lastAuditAt: at, commandId });
  }
}
