// `npm run bench` (scripts/bench.ts runs this): measures scheduling accuracy, tick cost
// and function footprint, and writes docs/benchmarks.md. Everything runs locally: the tick
// against an in-memory embedded DynamoDB-compatible store (dynalite) on loopback, the same
// code as on AWS.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { format, resolveConfig } from "prettier";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { type AccuracyResult, accuracy } from "./accuracy.js";
import { accuracySection } from "./accuracy-section.js";
import { type FootprintResult, footprint, footprintSection } from "./footprint.js";
import { bytes, type Check, exactBytes, fmt, log, yes } from "./format.js";
import { notes } from "./notes.js";
import { type TickCost, tickCost, tickSection } from "./tick-cost.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = resolve(import.meta.dirname, "../..");
const OUT = join(root, "docs/benchmarks.md");
const began = performance.now();
const loadAtStart = loadavg()[0] ?? 0;

/** The tick-cost tables, the 1-minute load average around them, and their targets. */
interface TickCosts {
  costs: TickCost[];
  history: TickCost[];
  /** The 1-minute load average around the tick measurements, which other work inflates. */
  tickLoad: { start: number; end: number };
}

async function measureTickCosts(): Promise<TickCosts> {
  const costs: TickCost[] = [];
  const tickLoad = { start: loadavg()[0] ?? 0, end: 0 };
  for (const [n, ticks] of [
    [10, 60],
    [100, 60],
    [1000, 40],
    [5000, 40],
  ] as const)
    costs.push(await tickCost(n, 50, 50, ticks));
  const history: TickCost[] = [];
  for (const [runs, limit] of [
    [0, 50],
    [50, 50],
    [500, 500],
  ] as const)
    history.push(
      runs === 50
        ? (costs.find((c) => c.n === 100) as TickCost)
        : await tickCost(100, runs, limit, 40),
    );
  tickLoad.end = loadavg()[0] ?? 0;
  return { costs, history, tickLoad };
}

function tickChecks({ costs, history }: TickCosts): Check[] {
  const checks: Check[] = [];
  for (const [n, target] of [
    [1000, 50],
    [5000, 250],
  ] as const) {
    const c = costs.find((x) => x.n === n) as TickCost;
    checks.push({
      target: `tick at N = ${n.toLocaleString("en")}: median ≤ ${target} ms`,
      measured: `${fmt(c.medianMs)} ms (p95 ${fmt(c.p95Ms)} ms)`,
      ok: c.medianMs <= target,
    });
  }
  const maxBytes = Math.max(
    ...costs.map((c) => c.bytesWrittenMax),
    ...history.map((c) => c.bytesWrittenMax),
  );
  const medians = [...costs, ...history].filter((c) => c.history > 0).map((c) => c.bytesWritten);
  checks.push({
    target: "bytes written per tick ≤ 16 KB at every N",
    measured: `at most ${exactBytes(maxBytes)}`,
    ok: maxBytes <= 16_000,
  });
  checks.push({
    target: "bytes written per tick independent of the history",
    measured: `median ${exactBytes(Math.min(...medians))}–${exactBytes(Math.max(...medians))} with 50 to 500 runs per command and 10 to 5,000 commands`,
    ok: Math.max(...medians) - Math.min(...medians) <= 64,
  });
  return checks;
}

function footprintChecks(fp: FootprintResult): Check[] {
  const biggest = fp.functions.reduce((a, f) => (f.bytes > a.bytes ? f : a));
  const slowest = fp.functions.reduce((a, f) => (f.loadWithSdkMs > a.loadWithSdkMs ? f : a));
  return [
    {
      target: "every function bundle ≤ 1 MB",
      measured: `largest: ${biggest.name}, ${bytes(biggest.bytes)} (${biggest.bytes.toLocaleString("en")} bytes)`,
      ok: fp.functions.every((f) => f.bytes <= 1_000_000),
    },
    {
      target: "cold module load ≤ 200 ms",
      measured: `slowest: ${slowest.name}, ${fmt(slowest.loadWithSdkMs)} ms including the SDK`,
      ok: fp.functions.every((f) => f.loadWithSdkMs <= 200),
    },
  ];
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync("nproc", { encoding: "utf8" }).trim();
  } catch {
    // nproc is not everywhere; the count of CPUs Node sees stands in.
  }
  return `${cpu}, ${nproc} cores (\`nproc\`), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

/** The closing comparison with the Python daemon's published figures. */
function pythonComparison(costs: TickCost[]): string[] {
  const c1000 = costs.find((c) => c.n === 1000);
  const c5000 = costs.find((c) => c.n === 5000);
  if (!c1000 || !c5000) return [];
  return [
    `- N = 1,000: ${fmt(c1000.medianMs)} ms median here against 670–930 ms (${fmt(670 / c1000.medianMs, 0)}–${fmt(930 / c1000.medianMs, 0)}× faster); ${bytes(c1000.bytesWritten)} written against 32.7 MB (${Math.round(32_700_000 / c1000.bytesWritten).toLocaleString("en")}× less).`,
    `- N = 5,000: ${fmt(c5000.medianMs)} ms against 3.3 s (${fmt(3300 / c5000.medianMs, 0)}× faster); ${bytes(c5000.bytesWritten)} against 163 MB (${Math.round(163_000_000 / c5000.bytesWritten).toLocaleString("en")}× less).`,
    "",
  ];
}

function document(
  checks: Check[],
  acc: AccuracyResult[],
  ticks: TickCosts,
  fp: FootprintResult,
  totalS: number,
): string {
  return [
    "# Benchmarks",
    "",
    "Generated by `npm run bench` (scripts/bench.ts); do not edit by hand. To reproduce on a fresh clone: `npm ci && npm run bench`. All figures below come from the one run described here.",
    "",
    `- Date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `- Machine: ${machine()}`,
    `- Run time: ${fmt(totalS, 0)} s; 1-minute load average ${fmt(loadAtStart, 2)} at the start, ${fmt(loadavg()[0] ?? 0, 2)} at the end (${cpus().length} CPUs)`,
    "- Timings depend on the machine and on whatever else it runs at the time: compare runs made on the same machine. Accuracy figures are deterministic.",
    "",
    "## Targets",
    "",
    "| target | measured | |",
    "|---|---|---|",
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${yes(c.ok)} |`),
    "",
    notes(checks, acc, ticks.costs, fp),
    accuracySection(acc),
    tickSection(ticks.costs, ticks.history, ticks.tickLoad),
    footprintSection(fp),
    "## How the figures compare with the Python daemon",
    "",
    "The Python daemon's figures are its published ones for the same settings (60 s ticks, 60 s global minimum, its `select_next` + `start_command` loop on a fake clock); they were not re-measured here. Its tick rewrote the whole JSON store three times, so its bytes written grow with commands × history; here a tick writes a constant handful of small items.",
    "",
    ...pythonComparison(ticks.costs),
  ].join("\n");
}

/** Measures everything, writes docs/benchmarks.md and logs each target's verdict. */
export async function main(): Promise<void> {
  const { config } = parseConfig({});
  const checks: Check[] = [];
  const acc = await accuracy(config, checks);
  const ticks = await measureTickCosts();
  checks.push(...tickChecks(ticks));
  const fp = await footprint();
  checks.push(...footprintChecks(fp));
  const totalS = (performance.now() - began) / 1000;
  const doc = document(checks, acc, ticks, fp, totalS);
  mkdirSync(join(root, "docs"), { recursive: true });
  // Formatted as the repository's Prettier config would, so \`npm run lint\` accepts it.
  writeFileSync(OUT, await format(doc, { ...(await resolveConfig(OUT)), parser: "markdown" }));
  log(`wrote ${OUT} in ${fmt(totalS, 0)} s`);
  for (const c of checks) log(`${c.ok ? "met   " : "MISSED"} ${c.target}: ${c.measured}`);
}
