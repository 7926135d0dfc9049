import type { Command, RunClaim, RunNotified, RunRecord } from "../core/command.js";
import type { Config, RunnerSettings } from "../core/config.js";
import { type Deadline, runnerStopBy } from "../core/deadline.js";
import { LeaseHeldError, LeaseLostError, UnknownCommandError } from "../core/errors.js";
import { asError, type Logger } from "../core/logger.js";
import { ResultNotRecordedError } from "../core/store-errors.js";
import { truncateUtf8 } from "../core/output.js";
import type {
  Clock,
  CommandStore,
  Dispatch,
  Notify,
  ResultHashStore,
  RunNotifiedStore,
} from "../core/ports.js";
import { exitReason, maxRuntimeMs, type RunResult, runRecord } from "../core/run-record.js";
import { postsUnchanged, resultHash } from "../core/result-hash.js";
import { computeTime, type TaskSize } from "../core/usage.js";
import { finalWriteDeadline, finishRunDurably } from "./final-write.js";
import { holdLease, type LeaseDeps } from "./lease.js";
import {
  type ClaimSettings,
  finishRun,
  type ProtocolStore,
  recoverAbandonedRun,
  renewLease,
  startRun,
  tryClaim,
} from "./run-protocol.js";
import { redactedResult, resolveWebhookFirst } from "./run-redaction.js";
import { commandMessage, type Summarizer } from "./notify/messages.js";
import { announcedItself, commandRuntime, type Runners } from "./commands/registry.js";

/** The store as runs use it: the run protocol's writes, the command, result hashes. */
export type RunStore = ProtocolStore &
  Pick<CommandStore, "getCommand"> &
  ResultHashStore &
  RunNotifiedStore;

/** What a run reads: its claim, lease and bounds, and what its runner reads. */
export type RunSettings = ClaimSettings &
  RunnerSettings &
  Pick<Config, "leaseRenewMs" | "defaultMaxRuntimeMinutes">;

export interface RunDeps {
  store: RunStore;
  runners: Runners;
  config: RunSettings;
  log: Logger;
  clock: Clock;
  /** The invocation's deadline (Lambda, core/deadline.ts); unlimited when absent. */
  deadline?: Deadline;
  /** Waits between retries of the final write (app/final-write.ts); real timers when absent. */
  sleep?: (ms: number) => Promise<void>;
  /** Posts each run's result to Discord; runs are not announced without one. */
  notifier?: Notify;
  /** Shortens long output for the post (opencode); without one it is cut. */
  summarize?: Summarizer;
  /**
   * Who runs the claim, as the lease records it: `lambda:<request id>`, `ecs:<task ARN>`,
   * `pid:<pid>@<host>`; `inline` when absent.
   */
  worker?: string;
  /** Told once the run is marked started (a task worker tells a redelivery from a lost lease). */
  onStarted?: () => void;
  /**
   * Aborts when the worker is told to stop (SIGTERM of a task worker): the runner is
   * killed and the run recorded as `abandoned` with the signal's reason, while the lease
   * is still held.
   */
  stop?: AbortSignal;
  /** The task this run executes in (a task worker's): its record keeps the compute time. */
  taskSize?: TaskSize;
}

/**
 * Runs a claimed command with its type's runner and records the result, conditional on
 * still holding the lease. First it marks the run started (the attempt), so a redelivered
 * dispatch of the same claim runs nothing; while the runner works the lease is renewed
 * (app/lease.ts), and a lost lease stops the runner and records nothing. Undefined when
 * nothing ran or nothing was recorded (logged); never throws for a failing command:
 * failures are results.
 */
export async function executeClaim(
  deps: RunDeps,
  command: Command,
  claim: RunClaim,
): Promise<RunRecord | undefined> {
  const { config, clock } = deps;
  const worker = deps.worker ?? "inline";
  const log = deps.log.child({ commandId: command.id, runId: claim.runId });
  const startedAt = clock();
  if (deps.stop?.aborted) {
    log.warn({ worker }, "run not started: its worker was told to stop first");
    return undefined;
  }
  if (!(await startRun(deps.store, claim, worker, startedAt, startedAt + config.leaseTtlMs))) {
    log.warn(
      { worker },
      "run not started: it was started already (a redelivery) or its lease is no longer held",
    );
    return undefined;
  }
  deps.onStarted?.();
  const lease = holdLease(
    { ...deps, log, store: leaseStore(deps.store) },
    claim,
    startedAt + config.leaseTtlMs,
  );
  const runtime = commandRuntime(command);
  log.info({ type: command.type, trigger: claim.trigger, runtime, worker }, "run started");
  await resolveWebhookFirst(deps, log);
  let result: RunResult;
  const signal = deps.stop ? AbortSignal.any([lease.signal, deps.stop]) : lease.signal;
  try {
    result = await runCommand(deps, command, claim, { log, signal });
  } finally {
    lease.stop();
  }
  const lost = lease.lostReason();
  if (lost !== undefined) {
    log.warn({ reason: lost }, "run stopped, its lease lost: nothing recorded");
    return undefined;
  }
  const stopped = deps.stop?.aborted ? stopReason(deps.stop) : undefined;
  if (stopped !== undefined) result = stoppedResult(result, stopped);
  result = redactedResult(result);
  const bounded = truncateUtf8(result.output, config.maxOutputBytes);
  const ended = runRecord(
    claim,
    {
      ...result,
      output: bounded.text,
      outputTruncatedBytes: (result.outputTruncatedBytes ?? 0) + bounded.droppedBytes,
    },
    clock(),
  );
  const recorded: RunRecord = {
    ...ended,
    runtime,
    worker,
    exitReason: stopped ?? exitReason(result, maxRuntimeMs(command, config) / 60_000),
    ...(deps.taskSize ? { compute: computeTime(ended.durationMs, deps.taskSize) } : {}),
  };
  // A run that is not posted says why on its record; a posted one once the post is done.
  const post = postPlan(deps, command, recorded);
  const run: RunRecord = post === "post" ? recorded : { ...recorded, notified: post };
  const current = await recordRun(deps, log, claim, run);
  if (!current) {
    log.warn(
      "run finished after its lease was recovered or replaced: result recorded, schedule state left to the newer run",
    );
  }
  log.info(
    { exitCode: run.exitCode, outcome: run.outcome, durationMs: run.durationMs },
    "run finished",
  );
  const notified = await afterRun(deps, log, command, run, { post, alreadyCounted: !current });
  const done = notified === undefined ? run : { ...run, notified };
  return current ? done : { ...done, late: true };
}

/**
 * What the run used, summed per command for `/metrics`: what its agents reported (per
 * agent) and its task compute time.
 */
async function countUsage(store: RunStore, command: string, run: RunRecord): Promise<void> {
  if (run.compute) {
    const { vcpuSeconds, gbSeconds } = run.compute;
    await store.incrementCounter("ampa_task_compute_vcpu_seconds_total", { command }, vcpuSeconds);
    await store.incrementCounter("ampa_task_compute_gb_seconds_total", { command }, gbSeconds);
  }
  for (const u of run.agentUsage ?? []) {
    const labels = { command, agent: u.agent };
    if (u.costUsd) await store.incrementCounter("ampa_agent_cost_usd_total", labels, u.costUsd);
    for (const [direction, tokens] of [
      ["input", u.inputTokens],
      ["output", u.outputTokens],
    ] as const)
      if (tokens)
        await store.incrementCounter("ampa_agent_tokens_total", { ...labels, direction }, tokens);
  }
}

/** The final write, retried within the time left; logged when it cannot be made. */
function recordRun(deps: RunDeps, log: Logger, claim: RunClaim, run: RunRecord): Promise<boolean> {
  const deadline = finalWriteDeadline(deps.clock(), deps.config.leaseTtlMs, deps.deadline);
  const store = { finishRun: (c: RunClaim, r: RunRecord) => finishRun(deps.store, c, r) };
  return finishRunDurably({ ...deps, log, store }, claim, run, deadline);
}

/** What the lease's renewals need: the protocol's renewal and the counters. */
function leaseStore(store: RunStore): LeaseDeps["store"] {
  return {
    renewLease: (claim, now, expiresAt) => renewLease(store, claim, now, expiresAt),
    incrementCounter: (name, labels, by) => store.incrementCounter(name, labels, by),
  };
}

function stopReason(stop: AbortSignal): string {
  const reason: unknown = stop.reason;
  return reason instanceof Error ? reason.message : "stopped: its worker was told to stop";
}

/** A run its worker stopped: abandoned, with a line saying why after what it printed. */
function stoppedResult(result: RunResult, reason: string): RunResult {
  const line = `[ampa] ${reason}; the run is abandoned`;
  return {
    ...result,
    outcome: "abandoned",
    output: result.output ? `${result.output.replace(/\n?$/, "\n")}${line}` : line,
  };
}

/** The runner's result; a runner that throws gives an `error` result. */
async function runCommand(
  deps: RunDeps,
  command: Command,
  claim: RunClaim,
  ctx: { log: Logger; signal: AbortSignal },
): Promise<RunResult> {
  const { config, clock } = deps;
  const deadline = Math.min(
    claim.startedAt + maxRuntimeMs(command, config),
    runnerStopBy(deps.deadline),
  );
  try {
    const runner = deps.runners[command.type];
    // A type this build has no module for (an item written by another version).
    if (!runner) throw new Error(`no runner for command type ${JSON.stringify(command.type)}`);
    return await runner(command, {
      config,
      commandId: command.id,
      runId: claim.runId,
      deadline,
      clock,
      ...ctx,
    });
  } catch (err) {
    ctx.log.error({ err: asError(err).message }, "runner failed");
    return {
      exitCode: null,
      output: `Runner error: ${asError(err).message}`,
      outputTruncatedBytes: 0,
      outcome: "error",
    };
  }
}

/**
 * Whether the run is posted: self-announcing types (app/commands: `selfAnnouncing`) post
 * with their own titles, so they get no generic post (unless such a runner crashed before
 * it could post, where its type says so); a result identical to the previous
 * run's (outcome, exit code and output) is not posted again unless
 * `metadata.post_unchanged`; without a notifier nothing is.
 */
function postPlan(deps: RunDeps, command: Command, run: RunRecord): RunNotified | "post" {
  // A self-announcing runner that crashed posted nothing: announce the error generically.
  if (announcedItself(command.type, run.outcome)) return "self";
  // `command` was read before this run: its hash is the previous run's result.
  if (command.lastResultHash === resultHash(run) && !postsUnchanged(command.metadata))
    return "unchanged";
  return deps.notifier ? "post" : "none";
}

/**
 * Counts the run and announces it as `post` (postPlan) says; a post's fate (sent, or kept
 * as a dead letter naming the run) is noted on the run's record and returned. Never throws.
 */
async function afterRun(
  deps: RunDeps,
  log: Logger,
  command: Command,
  run: RunRecord,
  { post, alreadyCounted }: { post: RunNotified | "post"; alreadyCounted: boolean },
): Promise<RunNotified | undefined> {
  try {
    // A late finisher's run was counted as abandoned when its lease was recovered.
    if (!alreadyCounted)
      await deps.store.incrementCounter("ampa_command_runs_total", {
        command: command.id,
        outcome: run.outcome,
      });
    if (!alreadyCounted) await countUsage(deps.store, command.id, run);
    // A late finisher's result is not the latest: the newer run keeps its hash.
    if (!alreadyCounted) await deps.store.recordResultHash(command.id, resultHash(run));
    if (post === "unchanged") log.info("result unchanged since the last run: not posted");
    else if (post === "post" && deps.notifier) {
      const message = await commandMessage(command, run, deps.summarize);
      const about = { commandId: command.id, runId: run.runId };
      const sent = await deps.notifier.send("command", message, about, {
        for: run.outcome === "success" ? "result" : "failure",
        ...about,
      });
      const notified = sent.delivered ? "sent" : "dead_letter";
      await deps.store.recordRunNotified(run, notified);
      return notified;
    }
  } catch (err) {
    log.error({ err: asError(err).message }, "could not record or announce the run");
  }
  return undefined;
}

/**
 * Runs one command now, synchronously, whatever its schedule (runOnce, `ampa run-once`).
 * Respects the lease so it never overlaps a scheduled run of the same command.
 */
export async function runOnce(deps: RunDeps, id: string, owner: string): Promise<RunRecord> {
  let command = await deps.store.getCommand(id);
  if (!command) throw new UnknownCommandError(id);
  const now = deps.clock();
  if (await recoverAbandonedRun(deps.store, command, now)) {
    command = (await deps.store.getCommand(id)) ?? command;
  }
  const opts = { now, owner, trigger: "run-once", config: deps.config } as const;
  // A lost claim answers the holder's lease (ALL_OLD, or one read where unsupported).
  const claim = await tryClaim(deps.store, command, opts, { returnCurrent: true });
  if ("written" in claim) {
    const holder = claim.current;
    if (!holder) throw new UnknownCommandError(id);
    const { leaseOwner: owner, leaseExpiresAt: until } = holder;
    throw new LeaseHeldError(
      id,
      typeof owner === "string" ? owner : undefined,
      typeof until === "number" ? until : undefined,
    );
  }
  const run = await executeClaim(deps, command, claim);
  if (!run) throw new LeaseLostError(id, claim.runId);
  return run;
}

/** Runs the command in this process and waits for it (tests, CLI, `AMPA_DISPATCH=inline`). */
export function inlineDispatch(deps: RunDeps): Dispatch {
  return async (command, claim) => {
    try {
      await executeClaim(deps, command, claim);
    } catch (err) {
      // The run started and its result is in the log: not a dispatch failure to record.
      if (!(err instanceof ResultNotRecordedError)) throw err;
    }
  };
}
