import { randomUUID } from "node:crypto";
import * as z from "zod";
import type { Command, RunClaim, RunOutcome, RunRecord } from "./command.js";
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

/** Lease for a run starting at `now`: max runtime plus a grace for recording the result. */
export function leaseExpiry(
  command: Pick<Command, "maxRuntimeMinutes">,
  now: number,
  config: Pick<Config, "defaultMaxRuntimeMinutes" | "leaseGraceMs">,
): number {
  return now + maxRuntimeMs(command, config) + config.leaseGraceMs;
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
export function abandonedRunRecord(command: Command, now: number): RunRecord | undefined {
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
      output: `Run abandoned: its lease (held by ${command.leaseOwner ?? "unknown"}) expired at ${new Date(leaseExpiresAt).toISOString()} without a result.`,
    },
    now,
  );
}
