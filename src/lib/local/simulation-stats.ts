import type { Windows } from "./workload.js";

/**
 * Start-to-start statistics of one simulated command. Time in which the command could not
 * start (before it was added, paused, the LLM down when it needs one) is not owed: it is
 * taken out of every interval and gap that spans it, so a command paused for an hour and
 * resumed at its place shows its ordinary interval.
 */

export interface Rejoin {
  /** The window (ms from the first tick) the command could not start in. */
  fromMs: number;
  toMs: number;
  /** First start at or after `toMs`; null when it never started again. */
  firstStartMs: number | null;
  /** Last start before the window to the first after it, the window's time taken out. */
  acrossMs: number | null;
  /** First to second start after the window. */
  nextMs: number | null;
}

export interface CommandStats {
  id: string;
  priority: number;
  desiredMs: number;
  /** The water-filling ideal interval (fair-share.ts): desired when the load fits. */
  idealMs: number;
  runs: number;
  /** Fraction of all starts. */
  share: number;
  /** Start-to-start intervals (unavailable time taken out); null with fewer than two starts. */
  meanMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  /** mean ÷ desired − 1 (0.05 = 5 % late on average). */
  deviation: number | null;
  /** mean ÷ ideal − 1. */
  idealDeviation: number | null;
  /** Longest time without a start, from when the command is added to the simulation's end. */
  longestGapMs: number;
  intervalsMs: number[];
  /** Start times relative to the first tick. */
  startsMs: number[];
  /** Windows in which the command could not start, and how it came back after each. */
  rejoins: Rejoin[];
}

/** Milliseconds of [from, to) that fall inside none of the windows. */
export function availableMs(from: number, to: number, windows: Windows): number {
  let covered = 0;
  for (const [a, b] of windows) covered += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return to - from - covered;
}

function rejoins(startsMs: readonly number[], windows: Windows): Rejoin[] {
  return windows
    .filter(([from]) => from > 0)
    .map(([fromMs, toMs]) => {
      const after = startsMs.findIndex((s) => s >= toMs);
      const firstStartMs = after >= 0 ? (startsMs[after] ?? null) : null;
      const before = startsMs.filter((s) => s < fromMs).at(-1);
      const second = after >= 0 ? startsMs[after + 1] : undefined;
      return {
        fromMs,
        toMs,
        firstStartMs,
        acrossMs:
          before === undefined || firstStartMs === null
            ? null
            : availableMs(before, firstStartMs, windows),
        nextMs: firstStartMs === null || second === undefined ? null : second - firstStartMs,
      };
    });
}

export function commandStats(
  spec: { id: string; priority: number; frequencyMinutes: number },
  idealMs: number,
  startsMs: readonly number[],
  totals: { totalStarts: number; durationMs: number },
  unavailable: Windows = [],
): CommandStats {
  const intervalsMs = startsMs
    .slice(1)
    .map((s, i) => availableMs(startsMs[i] ?? s, s, unavailable));
  const desiredMs = spec.frequencyMinutes * 60_000;
  const meanMs =
    intervalsMs.length > 0 ? intervalsMs.reduce((a, b) => a + b, 0) / intervalsMs.length : null;
  const addedAt = unavailable[0]?.[0] === 0 ? unavailable[0][1] : 0;
  const edges = [addedAt, ...startsMs, totals.durationMs];
  const longestGapMs = Math.max(
    ...edges.slice(1).map((e, i) => availableMs(edges[i] ?? e, e, unavailable)),
  );
  return {
    id: spec.id,
    priority: spec.priority,
    desiredMs,
    idealMs,
    runs: startsMs.length,
    share: totals.totalStarts > 0 ? startsMs.length / totals.totalStarts : 0,
    meanMs,
    minMs: intervalsMs.length > 0 ? Math.min(...intervalsMs) : null,
    maxMs: intervalsMs.length > 0 ? Math.max(...intervalsMs) : null,
    deviation: meanMs === null ? null : meanMs / desiredMs - 1,
    idealDeviation: meanMs === null ? null : meanMs / idealMs - 1,
    longestGapMs,
    intervalsMs,
    startsMs: [...startsMs],
    rejoins: rejoins(startsMs, unavailable),
  };
}
