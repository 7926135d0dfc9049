import type { Command, RunClaim, RunRecord } from "../core/command.js";
import type { Config } from "../core/config.js";
import {
  type Clock,
  type Condition,
  type CounterStore,
  type ItemChange,
  LEASE_FIELDS,
  type RunItems,
  type WriteOutcome,
} from "../core/ports.js";
import { abandonedRunRecord, leaseExpiry, newRunId, runRecord } from "../core/run-record.js";
import type { ScheduledCommand } from "../core/scheduled-command.js";
import { intervalMs, stateAfterStart } from "../core/scheduler/select.js";
import { commandRuntime } from "./commands/registry.js";
import { redactedResult } from "./run-redaction.js";

/**
 * The run protocol: every write a run makes to the store, in order, over the conditional
 * primitives of core/run-items.ts. A command's lease is claimed (claimLease), marked
 * started by its worker (startRun), renewed while the run works (renewLease), and released
 * with the run recorded (finishRun), or, when its worker died, recovered into an
 * abandoned run (recoverExpiredLease). Run records are pruned to the store's history.
 */

export interface ClaimRequest {
  runId: string;
  owner: string;
  now: number;
  expiresAt: number;
  /**
   * Optimistic check for scheduled starts: the lastStartAt the caller saw when it chose
   * the command. A second tick that saw the same state loses. `"any"` skips the check.
   */
  expectedLastStartAt: number | undefined | "any";
  /** The schedule state the start leaves on the command (core/scheduler stateAfterStart). */
  schedule: { dueAt: number; virtualFinish: number };
}

type LeaseItems = Pick<RunItems, "updateCommandIf">;
type Claimed = Pick<RunClaim, "commandId" | "runId">;

/** The write holds only while this run holds the command's lease. */
const heldBy = (runId: string): Condition => ({ attr: "leaseRunId", is: "=", value: runId });

/**
 * Takes the command's lease and marks it started. Loses when the command is gone,
 * leased, or, for scheduled starts, paused or started by someone else since the caller
 * read it. With `returnCurrent`, a lost claim answers the item as it was (its holder).
 */
export function claimLease(
  items: LeaseItems,
  id: string,
  req: ClaimRequest,
  opts: { returnCurrent?: boolean } = {},
): Promise<WriteOutcome> {
  const when: Condition[] = [{ itemExists: true }, { attr: "leaseRunId", exists: false }];
  if (req.expectedLastStartAt === undefined) when.push({ attr: "lastStartAt", exists: false });
  else if (req.expectedLastStartAt !== "any")
    when.push({ attr: "lastStartAt", is: "=", value: req.expectedLastStartAt });
  if (req.expectedLastStartAt !== "any") when.push({ attr: "paused", absentOrEquals: false });
  const set = {
    leaseRunId: req.runId,
    leaseOwner: req.owner,
    leaseExpiresAt: req.expiresAt,
    lastStartAt: req.now,
    lastRunId: req.runId,
    dueAt: req.schedule.dueAt,
    virtualFinish: req.schedule.virtualFinish,
  };
  return items.updateCommandIf(id, { set }, when, opts);
}

/** A lease write that answers whether it held. */
async function leaseWrite(
  items: LeaseItems,
  claim: Claimed,
  change: ItemChange,
  when: readonly Condition[],
): Promise<boolean> {
  return (await items.updateCommandIf(claim.commandId, change, when)).written;
}

/**
 * Marks the claimed run started by `worker` and sets its lease to `expiresAt`, only while
 * the claim holds an unexpired lease that no worker has started yet. False for a
 * redelivered dispatch (the run was started already) and for a lost lease: either way the
 * caller must run nothing.
 */
export function startRun(
  items: LeaseItems,
  claim: Claimed,
  worker: string,
  now: number,
  expiresAt: number,
): Promise<boolean> {
  const set = { leaseWorker: worker, leaseRenewedAt: now, leaseExpiresAt: expiresAt };
  return leaseWrite(items, claim, { set: { ...set, leaseRenewals: 0 } }, [
    heldBy(claim.runId),
    { attr: "leaseExpiresAt", is: ">", value: now },
    { attr: "leaseWorker", exists: false },
  ]);
}

/**
 * Extends the run's lease to `expiresAt`, only while the run still holds it. A renewal
 * after the expiry still succeeds when nobody has recovered the lease: the condition is
 * on the holder, and recovery's on the holder and the expiry, so one of the two wins.
 */
export function renewLease(
  items: LeaseItems,
  claim: Claimed,
  now: number,
  expiresAt: number,
): Promise<boolean> {
  const change = {
    set: { leaseExpiresAt: expiresAt, leaseRenewedAt: now },
    add: { leaseRenewals: 1 },
  };
  return leaseWrite(items, claim, change, [heldBy(claim.runId)]);
}

/** Writes a run record, then prunes the command's history to the store's length. */
async function recordRun(items: RunItems, run: RunRecord, ifAbsent = false): Promise<void> {
  // An existing record kept (recovery after a finisher wrote its own): nothing to prune.
  if (!(await items.putRun(run, { ifAbsent }))) return;
  await items.deleteRunsBeyond(run.commandId, items.maxRunHistory);
}

/**
 * Records the run and releases the lease, only while `claim` still holds it. Returns
 * false for a late finisher, whose result must not overwrite the state of a newer run;
 * its run record is still written (marked late).
 */
export async function finishRun(
  items: RunItems,
  claim: RunClaim,
  run: RunRecord,
): Promise<boolean> {
  // The record goes first. Without transactions (dynalite has none) a store failure
  // between the two writes must leave the lease, not lose the run: the lease then
  // expires and recovery keeps this record, since it never overwrites one.
  await recordRun(items, run);
  const set = {
    lastEndAt: run.endedAt,
    ...(run.exitCode === null ? {} : { lastExitCode: run.exitCode }),
    lastDurationMs: run.durationMs,
    lastOutcome: run.outcome,
  };
  const remove = run.exitCode === null ? ["lastExitCode", ...LEASE_FIELDS] : LEASE_FIELDS;
  const current = await leaseWrite(items, claim, { set, remove }, [heldBy(claim.runId)]);
  if (!current) await recordRun(items, { ...run, late: true });
  return current;
}

/**
 * Frees a lease that expired without its run finishing (the runner crashed or timed
 * out) and records `run` (see abandonedRunRecord) for it. False when the lease was not
 * expired or someone else recovered it first.
 */
export async function recoverExpiredLease(
  items: RunItems,
  command: Pick<Command, "id">,
  run: RunRecord,
  now: number,
): Promise<boolean> {
  // Record first, as in finishRun, so a failure between the writes loses no run. A
  // finisher writes its record before it releases the lease, so a real result is never
  // replaced by this one (and overwrites it if it comes later).
  await recordRun(items, run, true);
  const change = {
    set: { lastEndAt: now, lastOutcome: "abandoned" },
    remove: [...LEASE_FIELDS, "lastExitCode", "lastDurationMs"],
  };
  const claim = { commandId: command.id, runId: run.runId };
  return leaseWrite(items, claim, change, [
    heldBy(run.runId),
    { attr: "leaseExpiresAt", is: "<", value: now },
  ]);
}

/** The protocol's writes and the counters and command reads around them. */
export type ProtocolStore = RunItems & CounterStore;

/** What claiming a command reads: its lease's length and its fair share. */
export type ClaimSettings = Pick<Config, "leaseTtlMs" | "taskStartMs" | "priorityWeight">;

export interface ClaimOptions {
  now: number;
  owner: string;
  trigger: RunClaim["trigger"];
  config: ClaimSettings;
  /** The scheduler's virtual time as the caller read it (0 for run-once: no global slot). */
  virtualTime?: number;
}

/**
 * Claims the command's lease and moves its schedule on (anchored due time, virtual
 * finish: see core/scheduler). The claim, or, when another run holds the lease or the
 * command changed since it was read, the write's outcome (with `returnCurrent`, the item
 * as it was).
 */
export async function tryClaim(
  items: LeaseItems,
  command: Command,
  opts: ClaimOptions,
  { returnCurrent = false } = {},
): Promise<RunClaim | Extract<WriteOutcome, { written: false }>> {
  const runId = newRunId();
  const expiresAt = leaseExpiry({ runtime: commandRuntime(command) }, opts.now, opts.config);
  const next = stateAfterStart(
    command,
    opts.now,
    opts.virtualTime ?? 0,
    opts.config.priorityWeight,
  );
  const request: ClaimRequest = {
    runId,
    owner: opts.owner,
    now: opts.now,
    expiresAt,
    expectedLastStartAt: opts.trigger === "schedule" ? command.lastStartAt : "any",
    // A run by hand restarts the command's schedule: the next scheduled start is one
    // interval after it (never a catch-up right behind it).
    schedule: {
      dueAt: opts.trigger === "run-once" ? opts.now + intervalMs(command) : next.dueAt,
      virtualFinish: next.virtualFinish,
    },
  };
  const outcome = await claimLease(items, command.id, request, { returnCurrent });
  if (!outcome.written) return outcome;
  return {
    commandId: command.id,
    runId,
    startedAt: opts.now,
    leaseExpiresAt: expiresAt,
    trigger: opts.trigger,
  };
}

/** tryClaim's claim; undefined when another run holds the lease or the command changed. */
export async function claimCommand(
  items: LeaseItems,
  command: Command,
  opts: ClaimOptions,
): Promise<RunClaim | undefined> {
  const claim = await tryClaim(items, command, opts);
  return "written" in claim ? undefined : claim;
}

/**
 * Frees a lease that expired without a result and records its run as abandoned (see
 * abandonedRunRecord). The run is counted in ampa_command_runs_total like every
 * recorded run: uncounted, runs lost to crashes would not show on /metrics.
 */
export async function recoverAbandonedRun(
  store: ProtocolStore,
  command: ScheduledCommand,
  now: number,
): Promise<RunRecord | undefined> {
  const abandoned = abandonedRunRecord(command, now);
  if (!abandoned || !(await recoverExpiredLease(store, command, abandoned, now))) return undefined;
  await store.incrementCounter("ampa_command_runs_total", {
    command: command.id,
    outcome: "abandoned",
  });
  return abandoned;
}

/** Releases a claim whose run never started (e.g. the dispatch failed), recording why. */
export async function failClaim(
  deps: { store: ProtocolStore; clock: Clock },
  claim: RunClaim,
  reason: string,
): Promise<void> {
  await finishRun(
    deps.store,
    claim,
    runRecord(
      claim,
      redactedResult({ exitCode: null, outcome: "error", output: reason }),
      deps.clock(),
    ),
  );
  // Counted like every recorded run (see recoverAbandonedRun), once it is on record.
  await deps.store.incrementCounter("ampa_command_runs_total", {
    command: claim.commandId,
    outcome: "error",
  });
}
