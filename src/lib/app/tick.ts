import type { Command } from "../core/command.js";
import type { ScheduleListing } from "../core/schedule-listing.js";
import type { ScheduledCommand } from "../core/scheduled-command.js";
import type { Config } from "../core/config.js";
import { type Deadline, stopBy } from "../core/deadline.js";
import { asError, type Logger } from "../core/logger.js";
import type { Clock, CommandStore, Dispatch, GlobalSlot, SchedulerStore } from "../core/ports.js";
import { newRunId } from "../core/run-record.js";
import {
  claimCommand,
  type ClaimSettings,
  failClaim,
  type ProtocolStore,
  recoverAbandonedRun,
} from "./run-protocol.js";
import {
  decide,
  dueToleranceMs,
  stateAfterStart,
  runnableCandidates,
  type SelectionOptions,
} from "../core/scheduler/select.js";

export type { Dispatch } from "../core/ports.js";

/** What selecting the next command reads: the period, the polling, the fair share. */
export type SelectionSettings = Pick<
  Config,
  "pollIntervalMs" | "globalMinIntervalMs" | "tickIntervalMs" | "priorityWeight"
>;

/** What the tick reads: how it selects and how it claims. */
export type TickSettings = ClaimSettings & SelectionSettings;

/** What a tick calls: the listing, the run protocol's writes, the global slot. */
export type TickStore = ScheduleListing &
  ProtocolStore &
  Pick<CommandStore, "getCommand"> &
  Pick<SchedulerStore, "getSchedulerState" | "claimGlobalSlot" | "releaseGlobalSlot">;

export interface TickDeps {
  store: TickStore;
  config: TickSettings;
  log: Logger;
  clock: Clock;
  dispatch: Dispatch;
  probeLlm: () => Promise<boolean>;
  sleep: (ms: number) => Promise<void>;
  /** Who claims (shown on the lease), e.g. the Lambda request id. */
  owner: string;
  /** The invocation's deadline (core/deadline.ts); unlimited when absent. */
  deadline?: Deadline;
}

export type PassResult =
  | { kind: "started"; commandId: string; runId: string; score: number | null }
  | { kind: "wait-global"; nextStartAllowedAt: number }
  | {
      kind: "idle";
      nextDueAt: number | null;
      paused: number;
      running: number;
      skippedForLlm: string[];
    }
  | { kind: "lost-race" }
  | { kind: "dispatch-failed"; commandId: string; error: string };

export function selectionOptions(config: SelectionSettings): SelectionOptions {
  return {
    priorityWeight: config.priorityWeight,
    globalMinIntervalMs: config.globalMinIntervalMs,
    dueToleranceMs: dueToleranceMs(
      config.tickIntervalMs,
      config.pollIntervalMs,
      config.globalMinIntervalMs,
    ),
  };
}

/** One selection at `now`: recover expired leases, decide, claim, dispatch. */
export async function tickPass(deps: TickDeps, now: number): Promise<PassResult> {
  const { store, log } = deps;
  const opts = selectionOptions(deps.config);
  // Scheduling attributes only: the bytes read do not grow with the definitions.
  const { commands, corrupt } = await store.listForSchedule();
  for (const item of corrupt)
    log.error({ key: item.key, error: item.error }, "skipping corrupt command item");

  const usable: ScheduledCommand[] = [];
  for (const command of commands) {
    const abandoned = await recoverAbandonedRun(store, command, now);
    if (abandoned) {
      log.warn(
        { commandId: command.id, runId: abandoned.runId },
        "recovered an expired lease: run recorded as abandoned",
      );
      const refreshed = await store.getCommand(command.id);
      if (refreshed) usable.push(refreshed);
    } else {
      usable.push(command);
    }
  }

  const decision = decide(usable, now, await store.getSchedulerState(), opts);
  if (decision.kind === "wait-global") return decision;
  if (decision.kind === "idle") return { ...decision, skippedForLlm: [] };

  const skippedForLlm: string[] = [];
  const token = newRunId();
  let slot: GlobalSlot | undefined;
  for await (const candidate of runnableCandidates(decision.candidates, deps.probeLlm, (c) =>
    skippedForLlm.push(c.command.id),
  )) {
    const { virtualTime } = decision;
    const next = stateAfterStart(candidate.command, now, virtualTime, opts.priorityWeight);
    slot ??= await store.claimGlobalSlot(now, opts.globalMinIntervalMs, token, next.virtualTime);
    if (!slot.claimed) return { kind: "lost-race" };
    const command = await readToRun(deps, candidate.command);
    if (!command) continue;
    const claim = await claimCommand(store, command, {
      now,
      owner: deps.owner,
      trigger: "schedule",
      config: deps.config,
      virtualTime,
    });
    if (!claim) continue; // Another tick started it, or it changed since we read it.
    const score = Number.isFinite(candidate.score) ? candidate.score : null;
    try {
      await deps.dispatch(command, claim);
    } catch (err) {
      const error = asError(err).message;
      await failClaim(
        { store, clock: deps.clock },
        claim,
        `Dispatch to the runner failed: ${error}`,
      );
      return { kind: "dispatch-failed", commandId: candidate.command.id, error };
    }
    return { kind: "started", commandId: candidate.command.id, runId: claim.runId, score };
  }
  if (slot?.claimed) {
    await store.releaseGlobalSlot(token, slot.previous);
    return { kind: "lost-race" };
  }
  return { kind: "idle", nextDueAt: null, paused: 0, running: 0, skippedForLlm };
}

/**
 * The chosen command's whole item, for the claim and the runner; undefined (skipped) when
 * it is gone, changed since the listing (another tick started it), or does not parse.
 */
async function readToRun(deps: TickDeps, listed: ScheduledCommand): Promise<Command | undefined> {
  try {
    const command = await deps.store.getCommand(listed.id);
    return command?.lastStartAt === listed.lastStartAt ? command : undefined;
  } catch (err) {
    deps.log.error(
      { commandId: listed.id, error: asError(err).message },
      "skipping a command whose item does not parse",
    );
    return undefined;
  }
}

function describe(result: PassResult, now: number): string {
  const inSeconds = (at: number) => `${Math.max(Math.ceil((at - now) / 1000), 0)} s`;
  switch (result.kind) {
    case "started":
      return `started ${result.commandId} (score ${result.score === null ? "never run" : result.score.toFixed(3)})`;
    case "wait-global":
      return `nothing started: global minimum interval, next start allowed in ${inSeconds(result.nextStartAllowedAt)}`;
    case "idle":
      if (result.skippedForLlm.length > 0)
        return `nothing started: LLM unavailable for ${result.skippedForLlm.join(", ")}`;
      return result.nextDueAt === null
        ? `nothing started: no command due (${result.paused} paused, ${result.running} running)`
        : `nothing started: next command due in ${inSeconds(result.nextDueAt)} (${result.paused} paused, ${result.running} running)`;
    case "lost-race":
      return "nothing started: another tick claimed first";
    case "dispatch-failed":
      return `dispatch of ${result.commandId} failed: ${result.error}`;
  }
}

/**
 * A tick: one pass at `now`; then, when the global minimum allows more than one start per
 * tick period, keep polling every poll interval while the invocation has time left.
 */
export async function runTick(deps: TickDeps, now: number = deps.clock()): Promise<PassResult[]> {
  const { config } = deps;
  const results: PassResult[] = [];
  const started = deps.clock();
  const polling = config.globalMinIntervalMs < config.tickIntervalMs;
  const budgetMs = Math.min(
    config.tickIntervalMs - config.pollIntervalMs,
    stopBy(deps.deadline) - started,
  );
  await deps.store.incrementCounter("ampa_scheduler_ticks_total");
  let passAt = now;
  for (;;) {
    const result = await tickPass(deps, passAt);
    results.push(result);
    deps.log.info({ decision: result.kind, ...result }, `tick: ${describe(result, passAt)}`);
    if (!polling || deps.clock() - started + config.pollIntervalMs > budgetMs) break;
    await deps.sleep(config.pollIntervalMs);
    passAt = deps.clock();
  }
  return results;
}

/**
 * The tick's logical time: the schedule's own timestamp when it is recent, so that starts
 * land exactly one tick period apart however late EventBridge delivers the event.
 */
export function logicalTickTime(
  eventTime: string | undefined,
  wallNow: number,
  tickIntervalMs: number,
): number {
  if (!eventTime) return wallNow;
  const scheduled = Date.parse(eventTime);
  if (Number.isNaN(scheduled)) return wallNow;
  const lag = wallNow - scheduled;
  return lag >= 0 && lag < tickIntervalMs ? scheduled : wallNow;
}
