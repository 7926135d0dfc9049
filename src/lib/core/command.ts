import * as z from "zod";
import { activeSchema, atSchema, calendarProblem, timeZoneSchema } from "./scheduler/windows.js";

/**
 * A command type's name. Which types exist, and everything about each, is app's
 * (app/commands/registry.ts): core checks the shape, `add`, `update` and the import
 * check membership.
 */
export type CommandType = string;
export const commandTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, "must be a command type name");

/** Ids become DynamoDB keys, log fields and CLI arguments: keep them boring. */
export const COMMAND_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const COMMAND_ID_RULE =
  "must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit";

export const commandIdSchema = z.string().regex(COMMAND_ID_PATTERN, COMMAND_ID_RULE);

/** DynamoDB refuses an empty sort key, or one over 1,024 bytes, with a ValidationException. */
const MAX_KEY_BYTES = 1024;

/**
 * True for an id a key can hold, so it can be looked up: stored ids that break today's
 * rule (a corrupt or foreign item) stay reachable, and the store never sees one it refuses.
 */
export function isLookupId(id: string): boolean {
  const bytes = Buffer.byteLength(id);
  return bytes > 0 && bytes <= MAX_KEY_BYTES;
}

/** DynamoDB refuses items nested deeper than 32 levels; metadata (itself one level) gets 30. */
export const MAX_METADATA_DEPTH = 30;
/** Metadata is stored on the command item, which DynamoDB caps at 400 KB. */
export const MAX_METADATA_BYTES = 256 * 1024;

const isContainer = (v: unknown): v is object => typeof v === "object" && v !== null;

/**
 * How deeply a JSON value nests (a scalar 0, `{}` 1), level by level without recursion, so
 * that 50,000 nested brackets cannot overflow the stack; counting stops past `limit`.
 */
export function nestingDepth(value: unknown, limit: number): number {
  let depth = 0;
  for (let level = [value].filter(isContainer); level.length > 0 && depth <= limit; depth++)
    level = level.flatMap((c) => Object.values(c).filter(isContainer));
  return depth;
}

/** Why metadata cannot be stored, or undefined. Deep nesting once crashed the marshaller. */
export function metadataProblem(metadata: Record<string, unknown>): string | undefined {
  if (nestingDepth(metadata, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH)
    return `must nest at most ${MAX_METADATA_DEPTH} levels (DynamoDB's limit)`;
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES)
    return `must be at most ${MAX_METADATA_BYTES} bytes of JSON`;
  return undefined;
}

/**
 * A shell command line. argv cannot carry NUL, so a command holding one (from an import
 * file or the table) could never run: spawn would throw on every attempt.
 */
export const commandTextSchema = z
  .string()
  .max(16_384, "must be at most 16384 characters")
  .refine((text) => !text.includes("\u0000"), "must not contain NUL (no shell command can)");

/** How often a command wants to start, in minutes (at most once a year). */
export const frequencyMinutesSchema = z
  .number()
  .int("must be a positive integer")
  .positive("must be a positive integer")
  .max(525_600, "must be at most 525600 (one year)");

/** A command's priority: its weight under overload is 1 + priority weight × priority. */
export const prioritySchema = z
  .number()
  .int("must be an integer between 0 and 1000")
  .min(0, "must be an integer between 0 and 1000")
  .max(1000, "must be an integer between 0 and 1000");

/**
 * Where a run executes: `function` in the runCommand Lambda (at most 14 minutes: Lambda
 * stops at 15), `task` in a container task on ECS Fargate (locally a detached worker
 * process), for up to 24 hours.
 */
export const RUNTIMES = ["function", "task"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** The longest max runtime a `function` run may have, leaving a minute to record it. */
export const MAX_FUNCTION_RUNTIME_MINUTES = 14;

/** What the operator defines. Field names follow the TypeScript side; the store maps them. */
export const commandSpecFields = z.strictObject({
  id: commandIdSchema,
  command: commandTextSchema,
  title: z.string().max(256, "must be at most 256 characters").optional(),
  type: commandTypeSchema,
  frequencyMinutes: frequencyMinutesSchema,
  priority: prioritySchema,
  requiresLlm: z.boolean(),
  metadata: z.record(z.string(), z.unknown()).superRefine((metadata, ctx) => {
    const problem = metadataProblem(metadata);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  maxRuntimeMinutes: z
    .number()
    .int("must be a positive integer")
    .positive("must be a positive integer")
    .max(1440, "must be at most 1440")
    .nullable(),
  /** Absent: the type's default (app/commands/registry.ts: commandRuntime). */
  runtime: z.enum(RUNTIMES).optional(),
  /** When it may run (core/scheduler/windows.ts); absent: always. */
  active: activeSchema.optional(),
  /** Local times it starts at each day, instead of every `frequencyMinutes`. */
  at: atSchema.optional(),
  /** The IANA zone of `active` and `at`; absent: UTC. */
  timeZone: timeZoneSchema.optional(),
  paused: z.boolean(),
});

/**
 * A spec's fields. Whether its max runtime suits its runtime depends on its type's default
 * runtime: app checks that (app/commands/registry.ts: runtimeProblem).
 */
export const commandSpecSchema = commandSpecFields.superRefine((spec, ctx) => {
  const problem = calendarProblem(spec);
  if (problem) ctx.addIssue({ code: "custom", path: ["at"], message: problem });
});
export type CommandSpec = z.infer<typeof commandSpecFields>;

export const RUN_OUTCOMES = ["success", "failure", "timeout", "abandoned", "error"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** The largest time a Date holds: beyond it `toISOString()` throws "Invalid time value". */
const MAX_DATE_MS = 8_640_000_000_000_000;
/** A time in epoch milliseconds that every formatter can print. */
export const epochMsSchema = z
  .number()
  .min(-MAX_DATE_MS, "must be a time in epoch milliseconds")
  .max(MAX_DATE_MS, "must be a time in epoch milliseconds");

/** Schedule state and lease kept beside the spec. Times are epoch milliseconds. */
export const commandStateSchema = z.object({
  createdAt: epochMsSchema.optional(),
  lastStartAt: epochMsSchema.optional(),
  /** The anchored time of the next start (see core/scheduler/select.ts). */
  dueAt: epochMsSchema.optional(),
  /** The virtual finish of the last start: the command's place in the fair queue. */
  virtualFinish: z.number().finite().optional(),
  lastEndAt: epochMsSchema.optional(),
  lastExitCode: z.number().optional(),
  lastDurationMs: z.number().optional(),
  lastOutcome: z.enum(RUN_OUTCOMES).optional(),
  lastRunId: z.string().optional(),
  leaseRunId: z.string().optional(),
  leaseOwner: z.string().optional(),
  leaseExpiresAt: epochMsSchema.optional(),
  /**
   * Who runs the leased run (`lambda:<request id>`, `ecs:<task ARN>`, `pid:<pid>@<host>`),
   * set once when it starts: a redelivered dispatch finds it set and runs nothing.
   */
  leaseWorker: z.string().optional(),
  /** The last renewal of the lease by its worker, and how many there were. */
  leaseRenewedAt: epochMsSchema.optional(),
  leaseRenewals: z.number().int().nonnegative().optional(),
  /** Hash of the last run's result (core/result-hash.ts): an unchanged result is not posted again. */
  lastResultHash: z.string().optional(),
});
export type CommandState = z.infer<typeof commandStateSchema>;

export type Command = CommandSpec & CommandState;

/**
 * What became of a run's Discord post: `sent`, kept as a `dead_letter` (undelivered),
 * not posted because its result was `unchanged` since the previous run, not posted
 * because its type posts its own messages (`self`: heartbeats, Worklog types), or not
 * posted because the process had no notifier (`none`). Absent on older records.
 */
export const RUN_NOTIFIED = ["sent", "dead_letter", "unchanged", "self", "none"] as const;
export type RunNotified = (typeof RUN_NOTIFIED)[number];

/**
 * What one agent reported using in a run (app/agents/output.ts): tokens in and out, and
 * the cost in USD when the agent gives one (claude, opencode, pi; codex and gemini give none).
 */
export interface AgentUsageRecord {
  agent: string;
  inputTokens: number;
  outputTokens: number;
  costUsd?: number;
}

/**
 * The compute time of a run executed as a task (core/usage.ts, computeTime): its duration
 * times the task's vCPUs and its memory in GB, as Fargate bills them.
 */
export interface ComputeTime {
  vcpuSeconds: number;
  gbSeconds: number;
}

/** One finished (or abandoned) run. */
export interface RunRecord {
  commandId: string;
  runId: string;
  trigger: "schedule" | "run-once";
  startedAt: number;
  endedAt: number;
  durationMs: number;
  exitCode: number | null;
  outcome: RunOutcome;
  output: string;
  /** Bytes of output dropped to keep the item small. */
  outputTruncatedBytes: number;
  /** True when the run finished after its lease had been recovered or replaced. */
  late?: boolean;
  /** Where it ran, and who ran it (see CommandState.leaseWorker). */
  runtime?: Runtime;
  worker?: string;
  /** How it ended, in words: "exited with 0", "killed at its max runtime (10 min)", … */
  exitReason?: string;
  /** What became of its Discord post (set after the post, when there is one). */
  notified?: RunNotified;
  /** What its agents reported using, per agent (runs of agent-running types only). */
  agentUsage?: AgentUsageRecord[];
  /** Task runs only: the configured task size times the run's duration. */
  compute?: ComputeTime;
}

/** A lease granted to one run of one command. */
export interface RunClaim {
  commandId: string;
  runId: string;
  startedAt: number;
  leaseExpiresAt: number;
  trigger: RunRecord["trigger"];
}

export function describeCommand(command: Pick<CommandSpec, "id" | "title">): string {
  return command.title ? `${command.title} (${command.id})` : command.id;
}
