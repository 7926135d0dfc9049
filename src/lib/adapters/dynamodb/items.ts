import * as z from "zod";
import {
  type Command,
  commandSpecSchema,
  commandStateSchema,
  epochMsSchema,
  RUN_NOTIFIED,
  RUN_OUTCOMES,
  type RunRecord,
  RUNTIMES,
} from "../../core/command.js";
import type {
  ActionRecord,
  AuditTime,
  CorruptItem,
  DeadLetter,
  DispatchRecord,
  NotifyState,
  OnCorrupt,
  PrIgnore,
  PrReport,
  StoredMetric,
} from "../../core/ports.js";
import { SCHEDULE_FIELDS, type ScheduledCommand } from "../../core/scheduled-command.js";
import { keyName } from "./keys.js";

/**
 * The item schemas, and the one rule for items that do not parse (a hand edit, another
 * application's item, a number JavaScript cannot hold: see client.ts):
 *
 * - A listing (every `list…` reader, however many pages) skips each such item and reports
 *   it, once, as a CorruptItem `{ key: "pk/sk", error }` to its reporter: the store's own
 *   (`StoreOptions.onCorrupt`, none by default) joined with the call's `onCorrupt` where the
 *   method takes one. `listCommands` also returns them in `corrupt` (the tick logs them,
 *   /metrics counts them).
 * - A read of one state item (the scheduler item, the notify item, an audit time) reports
 *   it the same way and reads as absent, so a hand edit never stops the scheduler.
 * - A read of one command by its key (getCommand, and the item a lease claim or an update
 *   returns) throws the same error instead: the caller asked for that command.
 * - No reader ever changes or deletes a corrupt item.
 */

/** What parsing one stored item gives: its value, or the report that it is corrupt. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; corrupt: CorruptItem };

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(item)"}: ${i.message}`).join("; ");
}

/** Parses an item against its schema, naming the item by its key when it does not parse. */
export function parseItem<T>(schema: z.ZodType<T>, item: Record<string, unknown>): Parsed<T> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, corrupt: { key: keyName(item), error: describeIssues(parsed.error) } };
}

/**
 * Every item that parses, in order. Each one that does not is skipped and told to `report`.
 * Takes a page (an array) or a paged query (an async generator).
 */
export async function readItems<T>(
  items: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
  parse: (item: Record<string, unknown>) => Parsed<T>,
  report: OnCorrupt,
): Promise<T[]> {
  const values: T[] = [];
  for await (const item of items) {
    const parsed = parse(item);
    if (parsed.ok) values.push(parsed.value);
    else report(parsed.corrupt);
  }
  return values;
}

/** One stored item's value; undefined, after telling `report`, when it does not parse. */
export function readItem<T>(
  schema: z.ZodType<T>,
  item: Record<string, unknown>,
  report: OnCorrupt,
): T | undefined {
  const parsed = parseItem(schema, item);
  if (parsed.ok) return parsed.value;
  report(parsed.corrupt);
  return undefined;
}

/** One reporter telling every reporter given (absent ones are skipped). */
export function reportTo(...reporters: (OnCorrupt | undefined)[]): OnCorrupt {
  return (item) => {
    for (const report of reporters) report?.(item);
  };
}

// ── Commands ────────────────────────────────────────────────────────────────────────

const commandItemSchema = z.object({ ...commandSpecSchema.shape, ...commandStateSchema.shape });

/** Whether this build runs a command type (the app's registry, passed in by the runtime). */
export type KnownType = (type: string) => boolean;

/** Why a parsed command item cannot stand for a command here, or undefined. */
function commandItemProblem(
  data: { id: string; type: string },
  item: Record<string, unknown>,
  knownType: KnownType | undefined,
): string | undefined {
  // An item under another command's key would be listed, exported and run as that command.
  if (data.id !== item.sk) return `its id ${JSON.stringify(data.id)} is not its key`;
  // A type this build has no module for (another version wrote it): skipped, not run.
  if (knownType && !knownType(data.type))
    return `its type ${JSON.stringify(data.type)} is not a command type this build knows`;
  return undefined;
}

/** `item` parsed by `schema` (all of a command or its scheduling attributes) and checked. */
function checkCommandLike<T extends { id: string; type: string }>(
  schema: z.ZodType<T>,
  item: Record<string, unknown>,
  knownType: KnownType | undefined,
): Parsed<T> {
  const parsed = schema.safeParse(item);
  const why = parsed.success
    ? commandItemProblem(parsed.data, item, knownType)
    : describeIssues(parsed.error);
  if (why === undefined && parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    corrupt: { key: keyName(item), error: `corrupt command item ${String(item.sk)}: ${why}` },
  };
}

/** A command item, checked also to be under its own key and of a known type. */
export function checkCommandItem(
  item: Record<string, unknown>,
  knownType?: KnownType,
): Parsed<Command> {
  return checkCommandLike<Command>(commandItemSchema, item, knownType);
}

const scheduledItemSchema = commandItemSchema.pick(
  Object.fromEntries(SCHEDULE_FIELDS.map((f) => [f, true])) as Record<
    (typeof SCHEDULE_FIELDS)[number],
    true
  >,
);

/** A command item as the tick reads it (scheduling attributes only), checked like one. */
export function checkScheduledItem(
  item: Record<string, unknown>,
  knownType?: KnownType,
): Parsed<ScheduledCommand> {
  return checkCommandLike<ScheduledCommand>(scheduledItemSchema, item, knownType);
}

/** A command item; throws the corrupt item's error when it does not parse. */
export function parseCommandItem(item: Record<string, unknown>, knownType?: KnownType): Command {
  const parsed = checkCommandItem(item, knownType);
  if (!parsed.ok) throw new Error(parsed.corrupt.error);
  return parsed.value;
}

// ── The other partitions ────────────────────────────────────────────────────────────

export const runItemSchema: z.ZodType<RunRecord> = z.object({
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
  runtime: z.enum(RUNTIMES).optional(),
  worker: z.string().optional(),
  exitReason: z.string().optional(),
  // Older records have none; a value this version does not know reads as none.
  notified: z.enum(RUN_NOTIFIED).optional().catch(undefined),
  // Older records have none; a malformed list reads as none rather than losing the run.
  agentUsage: z
    .array(
      z.object({
        agent: z.string(),
        inputTokens: z.number().nonnegative(),
        outputTokens: z.number().nonnegative(),
        costUsd: z.number().nonnegative().optional(),
      }),
    )
    .optional()
    .catch(undefined),
  // Only task runs have it, and older records none: a malformed one reads as none.
  compute: z
    .object({ vcpuSeconds: z.number().nonnegative(), gbSeconds: z.number().nonnegative() })
    .optional()
    .catch(undefined),
});

/** Only the last global start is read back; a value that is not a time reads as none. */
export const schedulerItemSchema = z.object({
  lastGlobalStartAt: epochMsSchema.optional(),
  // A hand-edited virtual time reads as none (0) rather than costing the slot as well.
  virtualTime: z.number().finite().optional().catch(undefined),
  virtualTimeAt: epochMsSchema.optional().catch(undefined),
});

export const notifyStateSchema: z.ZodType<NotifyState> = z.object({
  lastMessageAt: z.number().optional(),
  lastMessageKind: z.string().optional(),
  lastHeartbeatAt: z.number().optional(),
  lastNonHeartbeatAt: z.number().optional(),
});

export const deadLetterSchema: z.ZodType<DeadLetter> = z.object({
  id: z.string(),
  kind: z.string(),
  content: z.string(),
  reason: z.string(),
  attempts: z.number(),
  createdAt: epochMsSchema,
  redriveAttempts: z.number().optional(),
  lastAttemptAt: z.number().optional(),
  // Only on letters of a run's post (older ones have none): a bad value reads as none.
  commandId: z.string().optional().catch(undefined),
  runId: z.string().optional().catch(undefined),
});

export const storedMetricSchema: z.ZodType<StoredMetric> = z
  .object({
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    kind: z.enum(["counter", "gauge"]),
    value: z.number(),
  })
  // prom-client throws on a counter below zero, which would take all of /metrics down.
  .refine((m) => m.kind !== "counter" || m.value >= 0, "a counter must not be negative");

export const prReportItemSchema: z.ZodType<PrReport> = z.object({
  repo: z.string(),
  number: z.number().int(),
  headOid: z.string(),
  commandId: z.string(),
  reportedAt: epochMsSchema,
  workItemId: z.string().optional(),
});

export const prIgnoreItemSchema: z.ZodType<PrIgnore> = z.object({
  repo: z.string(),
  number: z.number().int(),
  // A snowflake: the monitor's output names it.
  userId: z.string().regex(/^\d{1,20}$/),
  userName: z.string(),
  ignoredAt: epochMsSchema,
});

export const auditItemSchema: z.ZodType<AuditTime> = z.object({
  workItemId: z.string(),
  lastAuditAt: epochMsSchema,
  commandId: z.string(),
});

export const dispatchItemSchema: z.ZodType<DispatchRecord> = z.object({
  workItemId: z.string(),
  action: z.string(),
  stage: z.string(),
  commandId: z.string(),
  runId: z.string(),
  assignee: z.string(),
  dispatchedAt: epochMsSchema,
  releasedAt: epochMsSchema.optional(),
  releaseReason: z.string().optional(),
  status: z.string().optional(),
  attempt: z.number().int().positive().optional(),
  attemptRuns: z.array(z.string()).optional(),
  outcome: z.enum(["moved", "unmoved", "failed"]).optional(),
  judgedAt: epochMsSchema.optional(),
  retryAt: epochMsSchema.optional(),
  escalatedAt: epochMsSchema.optional(),
  escalatedUpdatedAt: z.string().optional(),
  escalationApprovedAt: epochMsSchema.optional(),
});

export const actionItemSchema: z.ZodType<ActionRecord> = z.object({
  at: epochMsSchema,
  interactionId: z.string(),
  userId: z.string(),
  userName: z.string(),
  action: z.string(),
  commandId: z.string().optional(),
  workItemId: z.string().optional(),
  pullRequest: z.string().optional(),
  runId: z.string().optional(),
  channelId: z.string().optional(),
  messageId: z.string().optional(),
  outcome: z.enum(["pending", "done", "failed", "refused"]),
  detail: z.string().optional(),
  finishedAt: epochMsSchema.optional(),
});
