import type { RunRecord } from "../../lib/core/command.js";
import type {
  CommandStats,
  SimulationResult,
  WorkloadWithDynamics,
} from "../../lib/local/simulate.js";
import { statusReport } from "../status.js";
import type { Snapshot } from "./snapshot.js";

/**
 * A simulation's end as a dashboard snapshot, so the dashboard's timeline draws it: the
 * commands as the simulated store held them when the time was up, and one run record per
 * simulated start, lasting the command's `run_seconds` (the simulator's model: a run
 * holds its lease that long and succeeds). A run still going at the end is not recorded
 * yet; the timeline draws it from its lease, as the dashboard draws a live run.
 */

/** Each start of the command that ended by `endAt`, as a finished run, newest first. */
export function simulatedRuns(
  stats: CommandStats,
  runMs: number,
  startAt: number,
  endAt: number,
): RunRecord[] {
  const runs: RunRecord[] = [];
  stats.startsMs.forEach((offsetMs, n) => {
    const startedAt = startAt + offsetMs;
    if (startedAt + runMs > endAt) return;
    runs.push({
      commandId: stats.id,
      runId: `${stats.id}-${n + 1}`,
      trigger: "schedule",
      startedAt,
      endedAt: startedAt + runMs,
      durationMs: runMs,
      exitCode: 0,
      outcome: "success",
      output: "",
      outputTruncatedBytes: 0,
    });
  });
  return runs.reverse();
}

/** The snapshot the timeline draws: lanes in the workload's order. */
export function simulationSnapshot(
  result: SimulationResult,
  workload: WorkloadWithDynamics,
): Snapshot {
  const { end } = result;
  const order = new Map(workload.commands.map((w, i) => [w.id, i]));
  const runMs = new Map(workload.commands.map((w) => [w.id, (w.run_seconds ?? 0) * 1000]));
  const report = statusReport(
    end.commands,
    end.at,
    end.selection,
    end.scheduler.lastGlobalStartAt,
    end.scheduler,
  );
  report.rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const stored = new Set(end.commands.map((c) => c.id));
  const runs = new Map(
    result.commands
      .filter((c) => stored.has(c.id))
      .map((c) => [c.id, simulatedRuns(c, runMs.get(c.id) ?? 0, end.startAt, end.at)]),
  );
  return {
    now: end.at,
    report,
    commands: new Map(end.commands.map((c) => [c.id, c])),
    runs,
    // Every simulated start took a slot, the runs still going at the end included.
    globalSlots: {
      starts: result.commands
        .flatMap((c) =>
          c.startsMs.map((offsetMs) => ({ at: end.startAt + offsetMs, commandId: c.id })),
        )
        .sort((a, b) => a.at - b.at),
      minIntervalMs: end.selection.globalMinIntervalMs,
    },
    deadLetters: [],
    corrupt: [],
  };
}
