import { randomUUID } from "node:crypto";
import * as z from "zod";
import {
  type AgentUsageRecord,
  type Command,
  type RunClaim,
  type RunOutcome,
  type RunRecord,
} from "./command.js";
import type { Config } from "./config.js";

/** A new run's id (also used as an opaque claim token). */
export function newRunId(): string {
  return randomUUID();
}

/** Time the run may take before it is killed. */
export function maxRuntimeMs(
  command: Pick<Command, "maxRuntimeMinutes">,
  config: Pick<Config, "defaultMaxRuntimeMinutes">,
): number {
  return (command.maxRuntimeMinutes ?? config.defaultMaxRuntimeMinutes) * 60_000;
}

/**
 * The lease a claim at `now` takes (`runtime` resolved: app/commands/registry.ts): one TTL, plus the time a task's worker needs to start.
 * The worker renews it while it runs (see app/lease.ts), so a dead run is recovered within
 * a TTL whatever its max runtime, which the worker enforces itself.
 */
export function leaseExpiry(
  command: Pick<Command, "runtime">,
  now: number,
  config: Pick<Config, "leaseTtlMs" | "taskStartMs">,
): number {
  const startAllowance = command.runtime === "task" ? config.taskStartMs : 0;
  return now + config.leaseTtlMs + startAllowance;
}

/** How a run ended, in words, for the run record and `ampa status`. */
export function exitReason(
  result: Pick<RunResult, "exitCode" | "outcome">,
  maxRuntimeMinutes: number,
): string {
  switch (result.outcome) {
    case "timeout":
      return `killed at its max runtime (${maxRuntimeMinutes} min)`;
    case "abandoned":
      return "its worker stopped renewing the lease";
    case "error":
      return "did not run to an exit (runner or dispatch error)";
    default:
      return result.exitCode === null ? "ended by a signal" : `exited with ${result.exitCode}`;
  }
}

/** A claim as it travels to a runner (the runCommand event); checked on arrival. */
export const runClaimSchema = z.strictObject({
  commandId: z.string().min(1),
  runId: z.string().min(1),
  startedAt: z.number(),
  leaseExpiresAt: z.number(),
  trigger: z.enum(["schedule", "run-once"]),
}) satisfies z.ZodType<RunClaim>;

/** What a run produced, before it is put on record. */
export interface RunResult {
  exitCode: number | null;
  outcome: RunOutcome;
  output: string;
  outputTruncatedBytes?: number;
  agentUsage?: AgentUsageRecord[] | undefined;
}

/** The record of a claimed run that ended at `endedAt` (the one way run records are made). */
export function runRecord(
  claim: Pick<RunClaim, "commandId" | "runId" | "startedAt" | "trigger">,
  result: RunResult,
  endedAt: number,
): RunRecord {
  return {
    commandId: claim.commandId,
    runId: claim.runId,
    trigger: claim.trigger,
    startedAt: claim.startedAt,
    endedAt,
    durationMs: Math.max(endedAt - claim.startedAt, 0),
    exitCode: result.exitCode,
    outcome: result.outcome,
    output: result.output,
    outputTruncatedBytes: result.outputTruncatedBytes ?? 0,
    ...(result.agentUsage?.length ? { agentUsage: result.agentUsage } : {}),
  };
}

/**
 * The record of a run whose duration was measured when it ran (a run imported from another
 * store): `durationMs` as recorded there, or the time from start to end when none was.
 */
export function runRecordWithDuration(
  claim: Pick<RunClaim, "commandId" | "runId" | "startedAt" | "trigger">,
  result: RunResult,
  endedAt: number,
  durationMs: number | undefined,
): RunRecord {
  const run = runRecord(claim, result, endedAt);
  return durationMs === undefined ? run : { ...run, durationMs };
}

/**
 * The record of a run whose lease expired at or before `now` without a result (its runner
 * crashed or was killed), or undefined while no expired lease is held.
 */
export function abandonedRunRecord(
  command: Pick<
    Command,
    "id" | "leaseRunId" | "leaseExpiresAt" | "leaseOwner" | "lastRunId" | "lastStartAt"
  >,
  now: number,
): RunRecord | undefined {
  const { leaseRunId, leaseExpiresAt } = command;
  if (leaseRunId === undefined || leaseExpiresAt === undefined || leaseExpiresAt >= now)
    return undefined;
  const startedAt =
    command.lastRunId === leaseRunId && command.lastStartAt !== undefined
      ? command.lastStartAt
      : now;
  return runRecord(
    { commandId: command.id, runId: leaseRunId, startedAt, trigger: "schedule" },
    {
      exitCode: null,
      outcome: "abandoned",
      output:
        `Run abandoned: its lease (held by ${command.leaseOwner ?? "unknown"}) expired at ${new Date(leaseExpiresAt).toISOString()} without a result. ` +
        // A worker that finished but could not write its result logged it (app/final-write.ts).
        `If the run finished, its result is in the worker's log: the line "run result not recorded" with runId ${leaseRunId}.`,
    },
    now,
  );
}
