import type { Config } from "../../src/lib/core/config.js";
import { type SimulationResult, simulate, type Workload } from "../../src/lib/local/simulate.js";
import { type Check, fmt, log, pct, secs } from "./format.js";

/** Accuracy: each workload through `simulate()`, checked against the targets. */

export const TICK_MS = 60_000;
export const DURATION_MS = 2 * 3_600_000;
export const WEIGHT = 0.1;

export interface WorkloadCase {
  name: string;
  description: string;
  workload: Workload;
  /** Published Python daemon means (seconds), same order as the workload. */
  python?: number[];
  kind: "fits" | "overload";
}

const cmd = (id: string, frequency: number, priority = 0) => ({
  id,
  frequency_minutes: frequency,
  priority,
});

const WORKLOADS: WorkloadCase[] = [
  {
    name: "F1",
    description: "2, 5 and 10-minute commands (0.8 starts wanted per minute)",
    workload: [cmd("f1-2m", 2), cmd("f1-5m", 5), cmd("f1-10m", 10)],
    python: [180, 363, 726],
    kind: "fits",
  },
  {
    name: "F2",
    description: "one 1-minute command",
    workload: [cmd("f2-1m", 1)],
    python: [120],
    kind: "fits",
  },
  {
    name: "F3",
    description: "three 3-minute commands",
    workload: [cmd("f3-a", 3), cmd("f3-b", 3), cmd("f3-c", 3)],
    python: [244, 242, 240],
    kind: "fits",
  },
  {
    name: "W1",
    description: "1, 2 and 5-minute commands: overloaded, 1.7 starts wanted per minute",
    workload: [cmd("w1-1m", 1), cmd("w1-2m", 2), cmd("w1-5m", 5)],
    python: [120, 240, 484],
    kind: "overload",
  },
  {
    name: "W3",
    description: "eight 1-minute commands with priorities 0..7: 8 starts wanted per minute",
    workload: Array.from({ length: 8 }, (_, p) => cmd(`w3-p${p}`, 1, p)),
    kind: "overload",
  },
];

export interface AccuracyResult {
  case: WorkloadCase;
  result: SimulationResult;
  notes: string[];
}

/**
 * Starvation, made measurable: a command starves when it never starts, or when some gap
 * without a start (counting from the first tick and to the end) is longer than twice
 * its fair-share interval — its desired interval stretched by the overload factor
 * (starts wanted per minute ÷ starts the global minimum allows per minute).
 */
function starvation(r: SimulationResult): { starved: string[]; worst: number } {
  const capacityPerMinute = 60_000 / Math.max(r.globalMinIntervalMs, r.tickMs);
  const overload = Math.max(1, r.wantedStartsPerMinute / capacityPerMinute);
  let worst = 0;
  const starved: string[] = [];
  for (const c of r.commands) {
    const ratio = c.longestGapMs / (2 * c.desiredMs * overload);
    worst = Math.max(worst, ratio);
    if (c.runs === 0 || ratio > 1) starved.push(c.id);
  }
  return { starved, worst };
}

/** The targets a workload that fits must meet: mean within 5 %, no interval beyond 2 ticks late. */
function fitsChecks(name: string, result: SimulationResult): Check[] {
  const worstMean = [...result.commands].sort(
    (a, b) => Math.abs(b.deviation ?? Infinity) - Math.abs(a.deviation ?? Infinity),
  )[0] as SimulationResult["commands"][number];
  const meanOk = result.commands.every((c) => Math.abs(c.deviation ?? 1) <= 0.05);
  const excess = result.commands.map((c) => (c.maxMs ?? Infinity) - (c.desiredMs + 2 * TICK_MS));
  const worstExcess = Math.max(...excess);
  return [
    {
      target: `${name}: every mean interval within 5 % of desired`,
      measured: `worst ${worstMean.id}: ${secs(worstMean.meanMs)} for ${secs(worstMean.desiredMs)} (${pct(worstMean.deviation ?? 0)})`,
      ok: meanOk,
    },
    {
      target: `${name}: no interval above desired + 2 ticks`,
      measured:
        worstExcess <= 0
          ? `longest interval at most desired + ${fmt((2 * TICK_MS + worstExcess) / 1000, 0)} s`
          : `an interval ${fmt(worstExcess / 1000, 0)} s beyond desired + 2 ticks`,
      ok: worstExcess <= 0,
    },
  ];
}

/** The targets of an overloaded workload: no starvation, and for W1 even stretching. */
function overloadChecks(name: string, result: SimulationResult): Check[] {
  const { starved, worst } = starvation(result);
  const checks: Check[] = [
    {
      target: `${name}: no starvation`,
      measured:
        starved.length === 0
          ? `every command started; longest gap ${fmt(worst * 100, 0)} % of the starvation bound`
          : `starved: ${starved.join(", ")}`,
      ok: starved.length === 0,
    },
  ];
  if (name === "W1") {
    const stretches = result.commands.map((c) => (c.meanMs ?? Infinity) / c.desiredMs);
    const spread = Math.max(...stretches) / Math.min(...stretches) - 1;
    checks.push({
      target: "W1: every command's stretch (mean ÷ desired) within 10 % of the others'",
      measured: `stretches ${stretches.map((s) => fmt(s, 2)).join(", ")}: largest is ${pct(spread)} over smallest`,
      ok: spread <= 0.1,
    });
  }
  return checks;
}

/** Simulates every workload; appends its targets to `checks`. */
export async function accuracy(config: Config, checks: Check[]): Promise<AccuracyResult[]> {
  const results: AccuracyResult[] = [];
  for (const w of WORKLOADS) {
    log(`accuracy: ${w.name}`);
    const result = await simulate({
      workload: w.workload,
      durationMs: DURATION_MS,
      tickMs: TICK_MS,
      globalMinIntervalMs: 60_000,
      priorityWeight: WEIGHT,
      config,
    });
    checks.push(
      ...(w.kind === "fits" ? fitsChecks(w.name, result) : overloadChecks(w.name, result)),
    );
    results.push({ case: w, result, notes: [] });
  }
  return results;
}

export function accuracySection(results: AccuracyResult[]): string {
  const lines: string[] = [
    "## Accuracy",
    "",
    `Each workload runs for ${DURATION_MS / 3_600_000} simulated hours through \`simulate()\` — the real \`runTick\`/\`tickPass\` (selection, conditional claims of the global slot and the lease, run recording) on a fake clock against an in-memory embedded store — with ${TICK_MS / 1000} s ticks, a 60 s global minimum and priority weight ${WEIGHT}. Runs are instant. Intervals are start-to-start. The Python column is the daemon's published mean under the same settings.`,
    "",
  ];
  for (const { case: w, result } of results) {
    lines.push(`### ${w.name}: ${w.description}`, "");
    lines.push(
      "| command | priority | desired | runs | share | mean | min | max | deviation | stretch | Python daemon mean |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    result.commands.forEach((c, i) => {
      const py = w.python?.[i];
      lines.push(
        `| ${c.id} | ${c.priority} | ${secs(c.desiredMs)} | ${c.runs} | ${fmt(c.share * 100)} % | ${secs(c.meanMs)} | ${secs(c.minMs)} | ${secs(c.maxMs)} | ${c.deviation === null ? "–" : pct(c.deviation)} | ${c.meanMs === null ? "–" : fmt(c.meanMs / c.desiredMs, 2)} | ${py === undefined ? "–" : `${py} s (${pct(py / (c.desiredMs / 1000) - 1)})`} |`,
      );
    });
    lines.push("", `${result.totalStarts} starts in ${result.ticks} ticks.`, "");
  }
  return lines.join("\n");
}

/** True when every command's mean is closer to its desired interval than the Python daemon's. */
export function betterThanPython(acc: AccuracyResult[], name: string): boolean {
  const a = acc.find((r) => r.case.name === name);
  if (!a?.case.python) return false;
  return a.result.commands.every((c, i) => {
    const py = (a.case.python?.[i] ?? 0) * 1000;
    return c.meanMs !== null && Math.abs(c.meanMs - c.desiredMs) < Math.abs(py - c.desiredMs);
  });
}
