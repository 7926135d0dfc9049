import type { SimulationResult } from "../lib/local/simulate.js";

/** `ampa simulate` output: one row per command, then the totals. Fits 80 columns. */

const secs = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(1)}s`);
const pct = (x: number | null) =>
  x === null ? "-" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

function hms(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", rest || (!h && !m) ? `${rest}s` : ""]
    .filter(Boolean)
    .join(" ");
}

function cell(text: string, width: number, right = true): string {
  if (text.length > width) return `${text.slice(0, width - 1)}…`;
  return right ? text.padStart(width) : text.padEnd(width);
}

/** What was simulated and how the load compares with the capacity: three lines. */
export function simulationSummary(r: SimulationResult): string[] {
  const polling =
    r.globalMinIntervalMs < r.tickMs ? ` Ticks poll every ${hms(r.pollIntervalMs)}.` : "";
  return [
    `Simulated ${hms(r.durationMs)}: ${r.ticks} ticks of ${hms(r.tickMs)}, global minimum ${hms(r.globalMinIntervalMs)}, priority weight ${r.priorityWeight}.`,
    `Runs are instant unless given run_seconds.${polling}`,
    `Wanted: ${r.wantedStartsPerMinute.toFixed(2)} starts a minute of ${r.capacityPerMinute.toFixed(2)} possible (${r.fits ? "fits" : "overloaded"}); ${r.totalStarts} starts made.`,
  ];
}

export function simulationTable(r: SimulationResult): string {
  const header = [
    cell("ID", 12, false),
    cell("EVERY", 7),
    cell("PRI", 4),
    cell("RUNS", 5),
    cell("SHARE", 6),
    cell("IDEAL", 7),
    cell("MEAN", 7),
    cell("MIN", 7),
    cell("MAX", 7),
    cell("DEVIATION", 9),
  ].join(" ");
  const rows = r.commands.map((c) =>
    [
      cell(c.id, 12, false),
      cell(secs(c.desiredMs), 7),
      cell(String(c.priority), 4),
      cell(String(c.runs), 5),
      cell(`${(c.share * 100).toFixed(1)}%`, 6),
      cell(secs(c.idealMs), 7),
      cell(secs(c.meanMs), 7),
      cell(secs(c.minMs), 7),
      cell(secs(c.maxMs), 7),
      cell(pct(c.idealDeviation), 9),
    ].join(" "),
  );
  return [
    ...simulationSummary(r),
    "",
    header,
    ...rows,
    "",
    "EVERY: desired interval. IDEAL: weighted fair share (EVERY when the load fits).",
    "MEAN, MIN, MAX: start-to-start intervals, paused and LLM-down time taken out.",
    "DEVIATION: MEAN against IDEAL.",
  ].join("\n");
}

export function simulationJson(r: SimulationResult): Record<string, unknown> {
  const s = (ms: number | null) => (ms === null ? null : ms / 1000);
  return {
    durationSeconds: r.durationMs / 1000,
    tickSeconds: r.tickMs / 1000,
    globalMinIntervalSeconds: r.globalMinIntervalMs / 1000,
    pollIntervalSeconds: r.pollIntervalMs / 1000,
    priorityWeight: r.priorityWeight,
    ticks: r.ticks,
    totalStarts: r.totalStarts,
    wantedStartsPerMinute: r.wantedStartsPerMinute,
    capacityStartsPerMinute: r.capacityPerMinute,
    fits: r.fits,
    commands: r.commands.map((c) => ({
      id: c.id,
      priority: c.priority,
      desiredIntervalSeconds: c.desiredMs / 1000,
      idealIntervalSeconds: c.idealMs / 1000,
      runs: c.runs,
      share: c.share,
      meanIntervalSeconds: s(c.meanMs),
      minIntervalSeconds: s(c.minMs),
      maxIntervalSeconds: s(c.maxMs),
      deviation: c.deviation,
      idealDeviation: c.idealDeviation,
      longestGapSeconds: c.longestGapMs / 1000,
      startsSeconds: c.startsMs.map((x) => x / 1000),
    })),
  };
}
