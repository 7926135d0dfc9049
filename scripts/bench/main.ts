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
import { bounded, boundedSection } from "./bounded.js";
import { bundleReport } from "./bundle-report.js";
import { type CliStart, cliStart, cliStartSection } from "./cli-start.js";
import { costDocument } from "./cost-doc.js";
import { discordBench, discordSection } from "./discord.js";
import { US_EAST_1_ARM64 } from "./cost-model.js";
import { measureCostSets, templateSettings } from "./cost.js";
import {
  FOOTPRINT_TARGETS,
  type Footprint,
  type FootprintResult,
  footprint,
  footprintSection,
} from "./footprint.js";
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
  const t = FOOTPRINT_TARGETS;
  const largest = (f: (x: Footprint) => number) =>
    fp.functions.reduce((a, x) => (f(x) > f(a) ? x : a));
  const biggest = largest((f) => f.bytes);
  const zips = fp.functions.filter((f) => f.zipBytes !== undefined);
  const biggestZip = zips.length > 0 ? largest((f) => f.zipBytes ?? 0) : undefined;
  const slowest = largest((f) => f.loadWithSdkMs);
  return [
    {
      target: `every function bundle ≤ ${bytes(t.bundleBytes)}`,
      measured: `largest: ${biggest.name}, ${bytes(biggest.bytes)} (${biggest.bytes.toLocaleString("en")} bytes)`,
      ok: fp.functions.every((f) => f.bytes <= t.bundleBytes),
    },
    {
      target: `every deployment zip (\`osls package\`) ≤ ${bytes(t.zipBytes)}`,
      measured: biggestZip
        ? `largest: ${biggestZip.name}, ${bytes(biggestZip.zipBytes ?? 0)}`
        : "not measured (osls package failed)",
      ok: zips.length === fp.functions.length && zips.every((f) => (f.zipBytes ?? 0) <= t.zipBytes),
    },
    {
      target: `cold module load ≤ ${t.coldLoadMs} ms (median, SDK included)`,
      measured: `slowest: ${slowest.name}, ${fmt(slowest.loadWithSdkMs)} ms (p95 ${fmt(slowest.loadWithSdkP95Ms)} ms)`,
      ok: fp.functions.every((f) => f.loadWithSdkMs <= t.coldLoadMs),
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
  cli: CliStart[],
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
    cliStartSection(cli),
    "## How the figures compare with the Python daemon",
    "",
    "The Python daemon's figures are its published ones for the same settings (60 s ticks, 60 s global minimum, its `select_next` + `start_command` loop on a fake clock); they were not re-measured here. Its tick rewrote the whole JSON store three times, so its bytes written grow with commands × history; here a tick writes a constant handful of small items.",
    "",
    ...pythonComparison(ticks.costs),
  ].join("\n");
}

const SECTIONS = ["accuracy", "tick", "footprint", "cost", "cli"] as const;
/** Run only when named: `bounded` seeds 1 GB; `discord` goes to stderr only. */
const OPT_IN_SECTIONS = ["bounded", "discord"] as const;
type Section = (typeof SECTIONS)[number] | (typeof OPT_IN_SECTIONS)[number];

/** `--only a,b`: the sections to run (all when absent). */
export function parseOnly(argv: string[]): Set<Section> {
  const i = argv.indexOf("--only");
  if (i < 0) return new Set(SECTIONS);
  const names = (argv[i + 1] ?? "").split(",").filter(Boolean);
  const known: readonly string[] = [...SECTIONS, ...OPT_IN_SECTIONS];
  const unknown = names.filter((n) => !known.includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(
      `bench: --only takes a comma-separated list of ${SECTIONS.join(", ")}; got "${argv[i + 1] ?? ""}" (also, only when named: ${OPT_IN_SECTIONS.join(", ")})`,
    );
  return new Set(names as Section[]);
}

/** Formatted as the repository's Prettier config would, so `npm run lint` accepts it. */
async function writeDoc(path: string, markdown: string): Promise<void> {
  mkdirSync(join(root, "docs"), { recursive: true });
  writeFileSync(
    path,
    await format(markdown, { ...(await resolveConfig(path)), parser: "markdown" }),
  );
  log(`wrote ${path}`);
}

/**
 * Measures the sections asked for (all by default), writes docs/bundle-size.md (footprint)
 * and docs/cost.md (cost), docs/benchmarks.md only when every section ran, and logs each
 * target's verdict.
 */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  const only = parseOnly(argv);
  const { config } = parseConfig({});
  const checks: Check[] = [];
  const acc = only.has("accuracy") ? await accuracy(config, checks) : undefined;
  const ticks = only.has("tick") ? await measureTickCosts() : undefined;
  if (ticks) checks.push(...tickChecks(ticks));
  const fp = only.has("footprint") ? await footprint() : undefined;
  if (fp) {
    checks.push(...footprintChecks(fp));
    await writeDoc(
      join(root, "docs/bundle-size.md"),
      bundleReport(fp.metafiles, FOOTPRINT_TARGETS.bundleBytes),
    );
  }
  const cli = only.has("cli") ? await cliStart() : undefined;
  if (only.has("cost"))
    await writeDoc(
      join(root, "docs/cost.md"),
      costDocument(await measureCostSets(), templateSettings(), US_EAST_1_ARM64),
    );
  if (only.has("bounded")) process.stderr.write(`${boundedSection(await bounded())}\n`);
  if (only.has("discord")) process.stderr.write(`${discordSection(await discordBench())}\n`);
  const totalS = (performance.now() - began) / 1000;
  if (acc && ticks && fp && cli) await writeDoc(OUT, document(checks, acc, ticks, fp, cli, totalS));
  else {
    log(`--only ${[...only].join(",")}: ${OUT} not rewritten (it needs every section)`);
    // The sections that ran are still printed, so a partial run can be compared with another.
    if (acc) process.stderr.write(`${accuracySection(acc)}\n`);
    if (fp) process.stderr.write(`${footprintSection(fp)}\n`);
    if (cli) process.stderr.write(`${cliStartSection(cli)}\n`);
  }
  log(`done in ${fmt(totalS, 0)} s`);
  for (const c of checks) log(`${c.ok ? "met   " : "MISSED"} ${c.target}: ${c.measured}`);
}
