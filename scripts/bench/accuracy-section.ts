import type { SimulationResult } from "../../src/lib/local/simulate.js";
import {
  type AccuracyResult,
  GLOBAL_MIN_MS,
  isDynamic,
  MIN_INTERVALS,
  TICK_MS,
  WEIGHT,
} from "./accuracy.js";
import { fmt, pct, secs } from "./format.js";

/** The accuracy section of docs/benchmarks.md: measured beside ideal, per workload. */

const hms = (ms: number) => {
  const s = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
};

const INTRO = [
  "## Accuracy",
  "",
  `Each workload runs through \`simulate()\` — the real \`runTick\`/\`tickPass\` (selection, conditional claims of the global slot and the lease, run recording through \`executeClaim\`) on a fake clock against an in-memory embedded store — with ${TICK_MS / 1000} s ticks, a ${GLOBAL_MIN_MS / 1000} s global minimum (capacity: one start a minute) and priority weight ${WEIGHT}. Runs are instant unless the workload gives them a duration; pauses go through the store's \`setPaused\`; during an LLM outage the tick's LLM probe answers false. Intervals are start-to-start.`,
  "",
  `**Ideal** is the water-filling share (\`src/lib/core/scheduler/fair-share.ts\`): the desired interval when the load fits (Σ 1/interval ≤ capacity); otherwise each command gets min(1/I, λ·w/I) starts per unit time with w = 1 + ${WEIGHT} × priority and one λ filling the capacity. **vs ideal** is mean ÷ ideal − 1; the largest is given under each table. Time a command could not start (paused, or the LLM down when it needs one) is not owed: it is taken out of every interval and gap that spans it, so a command resumed at its fair place shows its ideal interval across the pause. Every dynamic workload fits with all its commands, so every ideal there is the desired interval whichever commands are runnable. Under overload only commands with ${MIN_INTERVALS} or more intervals are held to the 3 % target. The Python column is the daemon's published mean under the same settings.`,
  "",
];

function commandTable(w: AccuracyResult["case"], r: SimulationResult): string[] {
  const lines = [
    "| command | priority | desired | ideal | runs | share | mean | min | max | vs ideal | stretch | longest gap | Python daemon mean |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  r.commands.forEach((c, i) => {
    const py = w.python?.[i];
    lines.push(
      `| ${c.id} | ${c.priority} | ${secs(c.desiredMs)} | ${secs(c.idealMs)} | ${c.runs} | ${fmt(c.share * 100)} % | ${secs(c.meanMs)} | ${secs(c.minMs)} | ${secs(c.maxMs)} | ${c.idealDeviation === null ? "–" : pct(c.idealDeviation)} | ${c.meanMs === null ? "–" : fmt(c.meanMs / c.desiredMs, 2)} | ${secs(c.longestGapMs)} | ${py === undefined ? "–" : `${py} s (${pct(py / (c.desiredMs / 1000) - 1)})`} |`,
    );
  });
  return lines;
}

function rejoinTable(r: SimulationResult): string[] {
  const rows = r.commands.flatMap((c) =>
    c.rejoins.map(
      (j) =>
        `| ${c.id} | ${hms(j.fromMs)}–${hms(j.toMs)} | ${j.firstStartMs === null ? "–" : `${hms(j.firstStartMs)} (+${secs(j.firstStartMs - j.toMs)})`} | ${secs(j.acrossMs)} | ${secs(j.nextMs)} | ${secs(c.idealMs)} |`,
    ),
  );
  return [
    "| command | could not start | first start after | interval across it (that time taken out) | next interval | ideal |",
    "|---|---|---:|---:|---:|---:|",
    ...rows,
  ];
}

function largestDeviation(r: SimulationResult): string {
  const withMean = r.commands.filter((c) => c.idealDeviation !== null);
  if (withMean.length === 0) return "No command has two starts.";
  const worst = withMean.reduce((a, c) =>
    Math.abs(c.idealDeviation ?? 0) > Math.abs(a.idealDeviation ?? 0) ? c : a,
  );
  return `Largest deviation from ideal: ${worst.id}, ${pct(worst.idealDeviation ?? 0)} (mean ${secs(worst.meanMs)} for ${secs(worst.idealMs)}).`;
}

export function accuracySection(results: AccuracyResult[]): string {
  const lines = [...INTRO];
  for (const { case: w, result: r } of results) {
    lines.push(`### ${w.name}: ${w.description}`, "");
    lines.push(
      `${r.wantedStartsPerMinute.toFixed(2)} starts wanted a minute of ${r.capacityPerMinute.toFixed(2)} possible: ${r.fits ? "the load fits, ideal = desired" : "overloaded, ideal = water-filling share"}. ${fmt(w.durationMs / 3_600_000, 0)} simulated hours.`,
      "",
    );
    lines.push(...commandTable(w, r), "");
    if (isDynamic(r)) lines.push(...rejoinTable(r), "");
    lines.push(`${largestDeviation(r)} ${r.totalStarts} starts in ${r.ticks} ticks.`, "");
  }
  return lines.join("\n");
}
