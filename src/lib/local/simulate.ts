import type { Command, CommandSpec } from "../core/command.js";
import type { Config } from "../core/config.js";
import { capacityPerMs } from "../core/scheduler/fair-share.js";
import {
  commandShares,
  type SchedulerState,
  type SelectionOptions,
} from "../core/scheduler/select.js";
import { selectionOptions } from "../app/tick.js";
import { type Harness, withHarness } from "./harness.js";
import { type CommandStats, commandStats } from "./simulation-stats.js";
import {
  closedWindowsMs,
  normalizeWorkload,
  unavailableWindowsMs,
  type Windows,
  type Workload,
  type WorkloadWithDynamics,
  workloadSpecs,
} from "./workload.js";

/**
 * `ampa simulate` and the benchmark's accuracy section: a workload run through the
 * harness (harness.ts: the real tick on a virtual clock against an embedded store).
 * Nothing here decides what runs: it only moves the clock, plays the workload's events
 * (commands added, paused and resumed through the store, the LLM down, runs that take
 * time) and counts starts.
 */

export type { CommandStats, Rejoin } from "./simulation-stats.js";
export { commandStats } from "./simulation-stats.js";
export {
  parseWorkload,
  type Workload,
  type WorkloadWithDynamics,
  workloadSchema,
  workloadSpecs,
} from "./workload.js";

export interface SimulationOptions {
  /** A bare array of commands, or the commands with the LLM's down windows. */
  workload: Workload | WorkloadWithDynamics;
  durationMs: number;
  /** The scheduling period: how often the tick fires (EventBridge: 60 s). */
  tickMs: number;
  globalMinIntervalMs: number;
  priorityWeight: number;
  /** Everything else (poll interval, lease grace, history length) as configured. */
  config: Config;
  /** Simulated time of the first tick. */
  startAt?: number;
}

export interface SimulationResult {
  durationMs: number;
  tickMs: number;
  globalMinIntervalMs: number;
  priorityWeight: number;
  pollIntervalMs: number;
  ticks: number;
  passes: number;
  totalStarts: number;
  /** Σ 1/frequency: starts per minute the workload asks for. */
  wantedStartsPerMinute: number;
  /** Starts per minute the global minimum allows (fair-share.ts). */
  capacityPerMinute: number;
  /** The wanted starts fit the capacity: every ideal interval is the desired one. */
  fits: boolean;
  /** Windows (ms from the first tick) in which the LLM probe answered false. */
  llmDownMs: Windows;
  commands: CommandStats[];
  /** The store when the simulated time was up (what `ampa simulate --html` draws). */
  end: SimulationEnd;
}

export interface SimulationEnd {
  /** Simulated time of the first tick, and the end: the first tick plus the duration. */
  startAt: number;
  at: number;
  /** The commands as stored at `at` (runs that ended by then recorded); none added later. */
  commands: Command[];
  scheduler: SchedulerState;
  /** The rule as the simulated ticks applied it. */
  selection: SelectionOptions;
}

const SIMULATION_EPOCH = Date.parse("2030-01-07T00:00:00.000Z");

const inside = (windows: Windows, at: number) => windows.some(([a, b]) => at >= a && at < b);

/** Queues each command's addition and its pauses and resumptions on the harness clock. */
function queueWorkloadEvents(
  harness: Harness,
  workload: Workload,
  specs: CommandSpec[],
  startAt: number,
): void {
  workload.forEach((w, i) => {
    const spec = specs[i] as CommandSpec;
    const added = startAt + (w.added_at_seconds ?? 0) * 1000;
    harness.at(added, () => harness.store.addCommand(spec, added));
    for (const [from, to] of w.paused ?? []) {
      harness.at(startAt + from * 1000, () => harness.store.setPaused(w.id, true));
      harness.at(startAt + to * 1000, () => harness.store.setPaused(w.id, false));
    }
  });
}

/** The water-filling ideal of each command, by id, and whether the load fits. */
function idealIntervals(
  specs: CommandSpec[],
  opts: SimulationOptions,
): { fits: boolean; capacityPerMinute: number; idealMs: Map<string, number> } {
  const capacity = capacityPerMs(opts.globalMinIntervalMs, opts.tickMs);
  const share = commandShares(specs, opts.priorityWeight, capacity);
  return {
    fits: share.fits,
    capacityPerMinute: capacity * 60_000,
    idealMs: new Map(share.commands.map((c) => [c.id, c.idealIntervalMs])),
  };
}

/**
 * Runs `durationMs` of ticks, one every `tickMs`, each exactly as the tick function runs
 * one (including its polling inside the minute when the global minimum is shorter).
 */
export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const startAt = opts.startAt ?? SIMULATION_EPOCH;
  const { commands: workload, llmDown } = normalizeWorkload(opts.workload);
  const config: Config = {
    ...opts.config,
    tableName: "ampa-simulation",
    tickIntervalMs: opts.tickMs,
    globalMinIntervalMs: opts.globalMinIntervalMs,
    priorityWeight: opts.priorityWeight,
    dynamodbEndpoint: undefined,
    dynamodbKey: undefined,
  };
  const specs = workloadSpecs(workload);
  const runMs = new Map(workload.map((w) => [w.id, (w.run_seconds ?? 0) * 1000]));
  const llmDownMs: Windows = llmDown.map(([a, b]) => [a * 1000, b * 1000]);
  const starts = new Map<string, number[]>(specs.map((s) => [s.id, []]));
  const harnessOpts = {
    config,
    owner: "simulation",
    onStart: (command: CommandSpec, claim: { startedAt: number }) => {
      starts.get(command.id)?.push(claim.startedAt - startAt);
    },
    llmUp: (at: number) => !inside(llmDownMs, at - startAt),
    runMs: (command: CommandSpec) => runMs.get(command.id) ?? 0,
  };
  return withHarness(harnessOpts, async (harness) => {
    queueWorkloadEvents(harness, workload, specs, startAt);
    let ticks = 0;
    let passes = 0;
    for (let at = startAt; at < startAt + opts.durationMs; at += opts.tickMs) {
      passes += (await harness.tick(at)).length;
      ticks++;
    }
    const totalStarts = [...starts.values()].reduce((n, s) => n + s.length, 0);
    const ideal = idealIntervals(specs, opts);
    const endAt = startAt + opts.durationMs;
    // Runs ending by then are recorded; no tick runs, so no start is added.
    await harness.advanceTo(endAt);
    const [{ commands: stored }, scheduler] = await Promise.all([
      harness.store.listCommands(),
      harness.store.getSchedulerState(),
    ]);
    return {
      durationMs: opts.durationMs,
      tickMs: opts.tickMs,
      globalMinIntervalMs: opts.globalMinIntervalMs,
      priorityWeight: opts.priorityWeight,
      pollIntervalMs: config.pollIntervalMs,
      ticks,
      passes,
      totalStarts,
      wantedStartsPerMinute: specs.reduce((n, s) => n + 1 / s.frequencyMinutes, 0),
      capacityPerMinute: ideal.capacityPerMinute,
      fits: ideal.fits,
      llmDownMs,
      commands: workload.map((w, i) => {
        const spec = specs[i] as CommandSpec;
        return commandStats(
          spec,
          ideal.idealMs.get(spec.id) ?? spec.frequencyMinutes * 60_000,
          starts.get(spec.id) ?? [],
          { totalStarts, durationMs: opts.durationMs },
          unavailableWindowsMs(w, llmDown, closedWindowsMs(w, startAt, opts.durationMs)),
        );
      }),
      end: {
        startAt,
        at: endAt,
        commands: stored,
        scheduler,
        selection: selectionOptions(config),
      },
    };
  });
}
