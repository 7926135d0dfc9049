import type { RunClaim, RunRecord } from "../core/command.js";
import { type Deadline, stopBy } from "../core/deadline.js";
import { asError, type Logger } from "../core/logger.js";
import { truncateUtf8 } from "../core/output.js";
import type { Clock } from "../core/ports.js";
import { redactSecrets } from "../core/secrets.js";
import { isRetryableStoreError, ResultNotRecordedError } from "../core/store-errors.js";

/**
 * A finished run's last write (its record and the lease release), made durable: retried
 * with capped, jittered backoff while time is left, and, when the store still will not
 * take it, written to the log as one line so the result is never lost.
 */

export interface FinalWriteDeps {
  /** The run protocol's completion (app/run-protocol.ts finishRun). */
  store: { finishRun(claim: RunClaim, run: RunRecord): Promise<boolean> };
  /** The run's logger (its bindings name the command and the run). */
  log: Logger;
  clock: Clock;
  /** Waits between attempts; real timers by default, a fake clock's in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter in [0, 1); Math.random by default. */
  random?: () => number;
}

/** Attempts, first delay and the cap of one delay. */
export const FINAL_WRITE_RETRY = { maxAttempts: 8, baseMs: 250, capMs: 8_000 } as const;

/** The most of a run's output the log line carries (CloudWatch takes 256 KB an event). */
export const LOGGED_OUTPUT_BYTES = 32 * 1024;

/**
 * Until when the final write may retry: one lease TTL (the lease expires by then anyway
 * and the tick recovers it), and never past the invocation's deadline.
 */
export function finalWriteDeadline(now: number, leaseTtlMs: number, deadline?: Deadline): number {
  return Math.min(now + leaseTtlMs, stopBy(deadline));
}

/** Equal jitter: half the exponential step fixed, half random, so retries spread out. */
export function backoffMs(attempt: number, random: () => number): number {
  const step = Math.min(FINAL_WRITE_RETRY.capMs, FINAL_WRITE_RETRY.baseMs * 2 ** (attempt - 1));
  return step / 2 + (step / 2) * random();
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The run protocol's finishRun, retried on retryable failures (unreachable, throttled, 5xx) until
 * `deadline`. A lost condition is an answer, not a failure: finishRun returns false for a
 * late finisher and that is returned at once. When it cannot be written, the redacted
 * result is logged (logUnrecordedRun) and ResultNotRecordedError thrown.
 */
export async function finishRunDurably(
  deps: FinalWriteDeps,
  claim: RunClaim,
  run: RunRecord,
  deadline: number,
): Promise<boolean> {
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.store.finishRun(claim, run);
    } catch (err) {
      const delayMs = backoffMs(attempt, random);
      const retry =
        isRetryableStoreError(err) &&
        attempt < FINAL_WRITE_RETRY.maxAttempts &&
        deps.clock() + delayMs < deadline;
      if (!retry) throw unrecorded(deps.log, run, err, attempt);
      deps.log.warn(
        { err: asError(err).message, attempt, delayMs: Math.round(delayMs) },
        "could not record the run; retrying",
      );
      await sleep(delayMs);
    }
  }
}

/**
 * Logs the run's result as ONE line (output redacted, then cut to LOGGED_OUTPUT_BYTES)
 * and returns the error for the caller, which carries the redacted run for the CLI.
 */
function unrecorded(log: Logger, run: RunRecord, err: unknown, attempts: number): Error {
  const output = redactSecrets(run.output);
  const logged = truncateUtf8(output, LOGGED_OUTPUT_BYTES);
  log.error(
    {
      exitCode: run.exitCode,
      outcome: run.outcome,
      exitReason: run.exitReason,
      trigger: run.trigger,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      durationMs: run.durationMs,
      output: logged.text,
      outputTruncatedBytes: run.outputTruncatedBytes + logged.droppedBytes,
      attempts,
      err: asError(err).message,
    },
    "run result not recorded",
  );
  return new ResultNotRecordedError({ ...run, output }, err);
}
