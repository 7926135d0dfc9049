// `npm run bench`: measures scheduling accuracy, tick cost and function footprint, and
// writes docs/benchmarks.md. Everything runs locally: the tick against an in-memory
// embedded DynamoDB-compatible store (dynalite) on loopback, the same code as on AWS.
import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { basename, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { format, resolveConfig } from "prettier";
import type { Command, RunClaim, RunRecord } from "../src/lib/core/command.js";
import { type Config, parseConfig } from "../src/lib/runtime/config.js";
import { startEmbeddedStore } from "../src/lib/local/embedded-store.js";
import { silentLogger } from "../src/lib/runtime/log.js";
import { executeClaim } from "../src/lib/app/run.js";
import {
  instantRunners,
  type SimulationResult,
  simulate,
  type Workload,
} from "../src/lib/local/simulate.js";
import { createDocumentClient, createDynamoClient } from "../src/lib/adapters/dynamodb/client.js";
import { Store } from "../src/lib/adapters/dynamodb/store.js";
import { bulkLoad } from "../src/lib/local/bulk-load.js";
import { ensureTable } from "../src/lib/adapters/dynamodb/table.js";
import { runTick } from "../src/lib/app/tick.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const root = resolve(import.meta.dirname, "..");
const OUT = join(root, "docs/benchmarks.md");
const began = performance.now();
const loadAtStart = loadavg()[0] ?? 0;
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// ---------------------------------------------------------------- helpers

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank: the value below which q of the samples fall.
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
const fmt = (x: number, digits = 1) => x.toFixed(digits);
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
const secs = (ms: number | null) => (ms === null ? "–" : `${fmt(ms / 1000)} s`);
const exactBytes = (n: number) => `${Math.round(n).toLocaleString("en")} B`;
const bytes = (n: number) =>
  n >= 1_000_000 ? `${fmt(n / 1_000_000, 2)} MB` : n >= 1000 ? `${fmt(n / 1000, 1)} kB` : `${n} B`;
const yes = (ok: boolean) => (ok ? "**met**" : "**missed**");

interface Check {
  target: string;
  measured: string;
  ok: boolean;
}
const checks: Check[] = [];

// ---------------------------------------------------------------- accuracy

const TICK_MS = 60_000;
const DURATION_MS = 2 * 3_600_000;
const WEIGHT = 0.1;

interface WorkloadCase {
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

interface AccuracyResult {
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

async function accuracy(config: Config): Promise<AccuracyResult[]> {
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
    const notes: string[] = [];
    if (w.kind === "fits") {
      const worstMean = [...result.commands].sort(
        (a, b) => Math.abs(b.deviation ?? Infinity) - Math.abs(a.deviation ?? Infinity),
      )[0] as SimulationResult["commands"][number];
      const meanOk = result.commands.every((c) => Math.abs(c.deviation ?? 1) <= 0.05);
      const excess = result.commands.map(
        (c) => (c.maxMs ?? Infinity) - (c.desiredMs + 2 * TICK_MS),
      );
      const worstExcess = Math.max(...excess);
      checks.push({
        target: `${w.name}: every mean interval within 5 % of desired`,
        measured: `worst ${worstMean.id}: ${secs(worstMean.meanMs)} for ${secs(worstMean.desiredMs)} (${pct(worstMean.deviation ?? 0)})`,
        ok: meanOk,
      });
      checks.push({
        target: `${w.name}: no interval above desired + 2 ticks`,
        measured:
          worstExcess <= 0
            ? `longest interval at most desired + ${fmt((2 * TICK_MS + worstExcess) / 1000, 0)} s`
            : `an interval ${fmt(worstExcess / 1000, 0)} s beyond desired + 2 ticks`,
        ok: worstExcess <= 0,
      });
    } else {
      const { starved, worst } = starvation(result);
      checks.push({
        target: `${w.name}: no starvation`,
        measured:
          starved.length === 0
            ? `every command started; longest gap ${fmt(worst * 100, 0)} % of the starvation bound`
            : `starved: ${starved.join(", ")}`,
        ok: starved.length === 0,
      });
      if (w.name === "W1") {
        const stretches = result.commands.map((c) => (c.meanMs ?? Infinity) / c.desiredMs);
        const spread = Math.max(...stretches) / Math.min(...stretches) - 1;
        checks.push({
          target: "W1: every command's stretch (mean ÷ desired) within 10 % of the others'",
          measured: `stretches ${stretches.map((s) => fmt(s, 2)).join(", ")}: largest is ${pct(spread)} over smallest`,
          ok: spread <= 0.1,
        });
      }
    }
    results.push({ case: w, result, notes });
  }
  return results;
}

// ---------------------------------------------------------------- tick cost

interface TickCost {
  n: number;
  history: number;
  maxRunHistory: number;
  seedMs: number;
  samples: number;
  medianMs: number;
  p95Ms: number;
  queryMedianMs: number;
  requests: number;
  requestsByOp: Record<string, number>;
  bytesWritten: number;
  bytesWrittenMax: number;
  runsKeptMax: number;
}

function bodyBytes(body: unknown): number {
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  if (body === undefined || body === null) return 0;
  throw new Error(`bench: cannot size a request body of type ${typeof body}`);
}

const WRITE_OPS = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "BatchWriteItemCommand",
]);
const T0 = Date.parse("2030-01-07T00:00:00.000Z");

function seedCommand(i: number): Command {
  const lastStartAt = T0 - 3_600_000 - i * 1000;
  return {
    id: `cmd-${String(i).padStart(5, "0")}`,
    command: "wl status --json | jq -r '.items[] | .title'",
    title: `Command ${i}`,
    type: "shell",
    frequencyMinutes: 1 + (i % 10),
    priority: i % 5,
    requiresLlm: false,
    metadata: { discord_label: `command ${i}` },
    maxRuntimeMinutes: 5,
    paused: false,
    createdAt: T0 - 86_400_000,
    lastStartAt,
    lastEndAt: lastStartAt + 1500,
    lastExitCode: 0,
    lastDurationMs: 1500,
    lastOutcome: "success",
    lastRunId: `seed-${i}-0`,
  };
}

async function tickCost(
  n: number,
  history: number,
  maxRunHistory: number,
  ticks: number,
): Promise<TickCost> {
  log(`tick cost: N=${n}, ${history} runs each`);
  const { config: base } = parseConfig({ AMPA_SCHEDULER_MAX_RUN_HISTORY: String(maxRunHistory) });
  const config: Config = { ...base, tableName: "ampa-bench" };
  const server = await startEmbeddedStore();
  const dynamo = createDynamoClient({ region: config.region, endpoint: server.endpoint });
  try {
    await ensureTable(dynamo, config.tableName);
    const store = new Store(createDocumentClient(dynamo), {
      tableName: config.tableName,
      maxRunHistory,
    });
    const seedStart = performance.now();
    const commands = Array.from({ length: n }, (_, i) => seedCommand(i));
    await bulkLoad(createDocumentClient(dynamo), config.tableName, { commands });
    const perBatch = Math.max(1, Math.floor(20_000 / Math.max(history, 1)));
    for (let i = 0; i < n; i += perBatch) {
      const runs: RunRecord[] = [];
      for (const c of commands.slice(i, i + perBatch)) {
        for (let k = 0; k < history; k++) {
          const startedAt = (c.lastStartAt ?? T0) - k * c.frequencyMinutes * 60_000;
          runs.push({
            commandId: c.id,
            runId: `seed-${c.id}-${k}`,
            trigger: "schedule",
            startedAt,
            endedAt: startedAt + 1500,
            durationMs: 1500,
            exitCode: 0,
            outcome: "success",
            output: `Found ${k % 7} in_progress work item(s)\n`.padEnd(120, "."),
            outputTruncatedBytes: 0,
          });
        }
      }
      await bulkLoad(createDocumentClient(dynamo), config.tableName, { runs });
    }
    const seedMs = performance.now() - seedStart;

    let requests = 0;
    let written = 0;
    let commandQueryMs = 0;
    const byOp: Record<string, number> = {};
    // Counts every request and the body bytes of writes, as sent on the wire.
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        requests++;
        const op = context.commandName ?? "unknown";
        byOp[op] = (byOp[op] ?? 0) + 1;
        if (WRITE_OPS.has(op)) written += bodyBytes((args.request as { body?: unknown }).body);
        return next(args);
      },
      { step: "finalizeRequest", name: "benchCounter" },
    );
    // Times the Query of the command items (pk = CMD) inside the tick, request to parsed response.
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        // Before or after the document client has marshalled it: "CMD" or { S: "CMD" }.
        const pk = (args.input as { ExpressionAttributeValues?: Record<string, unknown> })
          .ExpressionAttributeValues?.[":pk"];
        const isCommandQuery = pk === "CMD" || (pk as { S?: unknown } | undefined)?.S === "CMD";
        if (context.commandName !== "QueryCommand" || !isCommandQuery) return next(args);
        const t = performance.now();
        try {
          return await next(args);
        } finally {
          commandQueryMs += performance.now() - t;
        }
      },
      { step: "initialize", name: "benchQueryTimer" },
    );

    let now = T0;
    const clock = () => now;
    const runDeps = { store, config, log: silentLogger, clock, runners: instantRunners };
    const deps = {
      store,
      config,
      log: silentLogger,
      clock,
      probeLlm: async () => true,
      sleep: async (ms: number) => {
        now += ms;
      },
      owner: "bench",
      dispatch: async (command: Command, claim: RunClaim) => {
        await executeClaim(runDeps, command, claim);
      },
    };
    const warmup = 3;
    const times: number[] = [];
    const reqs: number[] = [];
    const wrote: number[] = [];
    const ops: Record<string, number>[] = [];
    const queryInTick: number[] = [];
    for (let k = 0; k < warmup + ticks; k++) {
      now = T0 + k * TICK_MS;
      requests = 0;
      written = 0;
      commandQueryMs = 0;
      for (const key of Object.keys(byOp)) delete byOp[key];
      const t = performance.now();
      const passes = await runTick(deps, now);
      const elapsed = performance.now() - t;
      if (passes.length !== 1 || passes[0]?.kind !== "started")
        throw new Error(`tick ${k} at N=${n} did not start a command: ${JSON.stringify(passes)}`);
      if (k < warmup) continue;
      times.push(elapsed);
      reqs.push(requests);
      wrote.push(written);
      queryInTick.push(commandQueryMs);
      ops.push({ ...byOp });
    }

    let runsKeptMax = 0;
    for (const c of commands.slice(0, Math.min(n, 50)))
      runsKeptMax = Math.max(runsKeptMax, (await store.listAllRuns(c.id)).length);

    const requestsByOp: Record<string, number> = {};
    for (const o of ops)
      for (const [op, count] of Object.entries(o))
        requestsByOp[op] = (requestsByOp[op] ?? 0) + count / ops.length;
    return {
      n,
      history,
      maxRunHistory,
      seedMs,
      samples: times.length,
      medianMs: median(times),
      p95Ms: quantile(times, 0.95),
      queryMedianMs: median(queryInTick),
      requests: median(reqs),
      requestsByOp,
      bytesWritten: median(wrote),
      bytesWrittenMax: Math.max(...wrote),
      runsKeptMax,
    };
  } finally {
    dynamo.destroy();
    await server.close();
  }
}

// ---------------------------------------------------------------- footprint

interface Footprint {
  name: string;
  bytes: number;
  /** The deployment package `osls package` builds (bundle + source map), when it could run. */
  zipBytes: number | undefined;
  gzipBytes: number;
  loadWithSdkMs: number;
  loadAloneMs: number;
  processMs: number;
}

const LOADS = 21;
const SDK = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "@aws-sdk/client-lambda"];

/** Runs `script` in a fresh `node` process and returns what it prints (a number). */
function freshNode(script: string): { printed: number; wallMs: number } {
  const t = performance.now();
  const res = spawnSync(process.execPath, ["-e", script], {
    env: { ...process.env, NODE_PATH: join(root, "node_modules"), NODE_OPTIONS: "" },
    encoding: "utf8",
  });
  const wallMs = performance.now() - t;
  if (res.status !== 0) throw new Error(`node -e failed: ${res.stderr}`);
  return { printed: Number(res.stdout.trim()), wallMs };
}

/** Zip sizes from `osls package`, into a temporary folder; empty when it cannot run here. */
function packageZips(): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "ampa-bench-package-"));
  const esbuildDir = `.ampa/esbuild-bench-${process.pid}`;
  try {
    log("footprint: osls package");
    const res = spawnSync(
      process.execPath,
      [join(root, "node_modules/osls/bin/serverless.js"), "package", "--package", dir],
      { cwd: root, encoding: "utf8", env: { ...process.env, AMPA_ESBUILD_DIR: esbuildDir } },
    );
    if (res.status !== 0) {
      log(`osls package failed; zip sizes not reported: ${res.stderr.slice(0, 500)}`);
      return new Map();
    }
    return new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith(".zip"))
        .map((f) => [basename(f, ".zip"), statSync(join(dir, f)).size]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(root, esbuildDir), { recursive: true, force: true });
  }
}

async function footprint(): Promise<{ functions: Footprint[]; sdkMs: number; nodeMs: number }> {
  const out = mkdtempSync(join(tmpdir(), "ampa-bench-bundles-"));
  const zips = packageZips();
  try {
    const handlers = readdirSync(join(root, "src/handlers"))
      .filter((f) => f.endsWith(".ts"))
      .sort();
    const bundles: { name: string; outfile: string }[] = [];
    for (const file of handlers) {
      const name = basename(file, ".ts");
      log(`footprint: building ${name}`);
      const outfile = join(out, `${name}.cjs`);
      // The options serverless.yml gives serverless-esbuild for every function.
      await build({
        entryPoints: [join(root, "src/handlers", file)],
        outfile,
        bundle: true,
        minify: true,
        keepNames: true,
        sourcemap: "linked",
        target: "node22",
        platform: "node",
        format: "cjs",
        external: ["@aws-sdk/*"],
        logLevel: "error",
      });
      bundles.push({ name, outfile });
    }
    const timedRequire = (outfile: string, preload: string[]) =>
      `${preload.map((m) => `require(${JSON.stringify(m)});`).join("")}const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
    const sdkOnly = `const t=process.hrtime.bigint();${SDK.map((m) => `require(${JSON.stringify(m)});`).join("")}process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
    // Round-robin over every measurement, so a burst of load elsewhere on the machine
    // lands on all of them alike instead of on one function.
    const samples = new Map<string, { printed: number; wallMs: number }[]>();
    const record = (key: string, script: string) => {
      const list = samples.get(key) ?? [];
      list.push(freshNode(script));
      samples.set(key, list);
    };
    log(`footprint: ${LOADS} rounds of fresh node processes`);
    for (let round = 0; round < LOADS; round++) {
      for (const b of bundles) {
        record(`${b.name}:sdk`, timedRequire(b.outfile, []));
        record(`${b.name}:alone`, timedRequire(b.outfile, SDK));
      }
      record("sdk", sdkOnly);
      record("empty", "process.stdout.write('0')");
    }
    const printed = (key: string) => median((samples.get(key) ?? []).map((r) => r.printed));
    const wall = (key: string) => median((samples.get(key) ?? []).map((r) => r.wallMs));
    return {
      functions: bundles.map((b) => {
        const code = readFileSync(b.outfile);
        return {
          name: b.name,
          bytes: statSync(b.outfile).size,
          zipBytes: zips.get(b.name),
          gzipBytes: gzipSync(code).length,
          loadWithSdkMs: printed(`${b.name}:sdk`),
          loadAloneMs: printed(`${b.name}:alone`),
          processMs: wall(`${b.name}:sdk`),
        };
      }),
      sdkMs: printed("sdk"),
      nodeMs: wall("empty"),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

function accuracySection(results: AccuracyResult[]): string {
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

function tickSection(costs: TickCost[], history: TickCost[]): string {
  const python: Record<number, string> = {
    1000: "0.67–0.93 s, 32.7 MB written (the whole file, 3 times)",
    5000: "3.3 s, 163 MB written",
  };
  const ops = (c: TickCost) =>
    Object.entries(c.requestsByOp)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, count]) => `${op.replace(/Command$/, "")} ${fmt(count, count % 1 === 0 ? 0 : 1)}`)
      .join(", ");
  return [
    "## Tick cost",
    "",
    "One tick = `runTick` with the default 60 s global minimum: read every command (paged Query), recover expired leases, decide, claim the global slot and the command's lease (conditional writes), and record an instant run (`executeClaim`: the run item, the command's state, trimming the history). Each store is seeded with N commands, each with its stored runs, in a fresh in-memory embedded store (dynalite) on loopback, in the same process as the tick. Every measured tick starts a command. " +
      `The machine's 1-minute load average was ${fmt(tickLoad.start, 2)} when these measurements began and ${fmt(tickLoad.end, 2)} when they ended (${cpus().length} CPUs). ` +
      "Requests and bytes are counted by a middleware on the DynamoDB client: bytes written are the JSON bodies of PutItem, UpdateItem, DeleteItem and BatchWriteItem requests.",
    "",
    "| N commands | runs stored each | ticks measured | median | p95 | of which reading all commands (the paged Query, median) | DynamoDB requests per tick | bytes written per tick (median / max) | Python daemon |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...costs.map(
      (c) =>
        `| ${c.n.toLocaleString("en")} | ${c.history} | ${c.samples} | ${fmt(c.medianMs)} ms | ${fmt(c.p95Ms)} ms | ${fmt(c.queryMedianMs)} ms | ${fmt(c.requests, 0)} | ${exactBytes(c.bytesWritten)} / ${exactBytes(c.bytesWrittenMax)} | ${python[c.n] ?? "–"} |`,
    ),
    "",
    `Requests per tick by operation (mean), N = ${costs.at(-1)?.n.toLocaleString("en")}: ${costs.at(-1) ? ops(costs.at(-1) as TickCost) : ""}. The Query count grows by one page per 1 MB of command items; everything else is constant.`,
    "",
    "### Bytes written do not depend on the history",
    "",
    "Same tick, N = 100, with more history kept (`AMPA_SCHEDULER_MAX_RUN_HISTORY` raised so all of it stays):",
    "",
    "| runs stored each | history limit | median tick | bytes written per tick (median / max) | most runs kept by one command afterwards |",
    "|---:|---:|---:|---:|---:|",
    ...history.map(
      (c) =>
        `| ${c.history} | ${c.maxRunHistory} | ${fmt(c.medianMs)} ms | ${exactBytes(c.bytesWritten)} / ${exactBytes(c.bytesWrittenMax)} | ${c.runsKeptMax} |`,
    ),
    "",
    "With fewer runs than the limit no old run is deleted, so a tick writes one DeleteItem less.",
    "",
  ].join("\n");
}

function footprintSection(fp: Awaited<ReturnType<typeof footprint>>): string {
  return [
    "## Footprint",
    "",
    `Each function is bundled by esbuild with the options \`serverless.yml\` gives serverless-esbuild (bundle, minify, keepNames, CommonJS, target node22, platform node, linked source map not counted), with \`@aws-sdk/*\` **external**: the \`nodejs22.x\` Lambda runtime provides AWS SDK v3, so it is not in the bundle. \`npx osls package\` zips the same output with its source map (see \`.ci/run\`); the zips it built in this run are listed too. Load time is \`require()\` of the bundle in a fresh \`node\` process, median of ${LOADS} processes each: with the SDK resolved from \`node_modules\` (as the runtime resolves its own copy — the honest cold figure), and with the SDK already loaded (the bundle's own cost).`,
    "",
    "| function | bundle | gzip | deployment zip (`osls package`, with source map) | cold load incl. SDK (median) | bundle alone, SDK preloaded (median) | whole process, spawn to exit (median) |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...fp.functions.map(
      (f) =>
        `| ${f.name} | ${bytes(f.bytes)} | ${bytes(f.gzipBytes)} | ${f.zipBytes === undefined ? "not measured" : bytes(f.zipBytes)} | ${fmt(f.loadWithSdkMs)} ms | ${fmt(f.loadAloneMs)} ms | ${fmt(f.processMs, 0)} ms |`,
    ),
    "",
    `Loading the three SDK clients alone takes ${fmt(fp.sdkMs)} ms (median); an empty \`node -e\` process takes ${fmt(fp.nodeMs, 0)} ms from spawn to exit. Measured under Node ${process.version} (Lambda runs Node 22).`,
    "",
  ].join("\n");
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

/** True when every command's mean is closer to its desired interval than the Python daemon's. */
function betterThanPython(name: string): boolean {
  const a = accuracyResults.find((r) => r.case.name === name);
  if (!a?.case.python) return false;
  return a.result.commands.every((c, i) => {
    const py = (a.case.python?.[i] ?? 0) * 1000;
    return c.meanMs !== null && Math.abs(c.meanMs - c.desiredMs) < Math.abs(py - c.desiredMs);
  });
}

let accuracyResults: AccuracyResult[] = [];
/** The 1-minute load average around the tick measurements, which other work inflates. */
const tickLoad = { start: 0, end: 0 };

function notes(
  acc: AccuracyResult[],
  costs: TickCost[],
  fp: Awaited<ReturnType<typeof footprint>>,
): string {
  const out: string[] = ["## Notes on the targets", ""];
  const missed = (prefix: string) => checks.some((c) => c.target.startsWith(prefix) && !c.ok);
  const f1 = acc.find((a) => a.case.name === "F1")?.result;
  if (missed("F1") && f1) {
    const worst = f1.commands.filter((c) => Math.abs(c.deviation ?? 0) > 0.05);
    out.push(
      `**F1 misses "every mean within 5 %"** — ${worst.map((c) => `${c.id} by ${pct(Math.abs(c.deviation ?? 0) - 0.05)} (mean ${secs(c.meanMs)} for ${secs(c.desiredMs)})`).join(", ")} beyond the 5 % allowed. Why: the scheduling rule measures lateness from each command's last *actual* start, so a start delayed by a collision shifts every later start of that command; nothing pulls it back. With one start allowed per minute, the 2-minute command takes every other minute; a 5-minute command started at an odd minute next falls due at an even minute, where the 2-minute command wins (score 0.5 min ÷ 2 = 0.25 against 0.5 ÷ 5 = 0.1), so it starts a minute late — and, measured from that late start, again next time (its minimum interval is ${secs(f1.commands[1]?.minMs ?? null)}). The 10-minute command fares the same. The load fits (0.8 starts a minute wanted), so the candidate fix is to anchor due times to the schedule (next due = previous *due* time + interval rather than previous start + interval, capped so an overloaded command builds no backlog): a late start would then be followed by a shorter interval. That changes the scheduling rule (\`src/lib/scheduler/select.ts\`) and the command's state (the anchor), outside this issue; it is neither made nor measured here. ${f1.commands.every((c) => (c.maxMs ?? Infinity) <= c.desiredMs + 2 * TICK_MS) ? "No interval exceeds desired + 2 ticks. " : ""}${betterThanPython("F1") ? "Every mean is closer to the desired interval than the Python daemon's." : ""}`,
      "",
    );
  }
  const w1 = acc.find((a) => a.case.name === "W1")?.result;
  if (missed("W1: every") && w1) {
    const stretches = w1.commands.map((c) => `${c.id} ${fmt((c.meanMs ?? 0) / c.desiredMs, 2)}`);
    out.push(
      `**W1 misses "stretch within 10 % of the others'"** — stretches ${stretches.join(", ")}. Why: with one start a minute every interval is a whole number of minutes, and the score is lateness ÷ interval (plus the half-tick tolerance). For the 1-minute command one minute of delay is 100 % lateness: it is either on time (score 0.5) or a whole interval late (score 1.5, which beats anything else here), so it alternates 1 and 2-minute intervals. The 5-minute command takes the minutes in between: its score reaches 0.5 at 7 minutes, and it wins that tie against the 1-minute command that has just run through the longer-wait tie-break. So the longest interval stretches least (×${fmt((w1.commands[2]?.meanMs ?? 0) / (w1.commands[2]?.desiredMs ?? 1), 2)}) and the two short ones share what is left. Equal stretching under overload needs a rule that remembers accumulated lateness across ticks (a virtual-time or deficit scheme) rather than comparing one tick's normalized lateness; that is a change to the scheduling rule, outside this issue, not tried here. No command starves${betterThanPython("W1") ? ", and every command starts more often than under the Python daemon" : ""}.`,
      "",
    );
  }
  const at = (n: number) => costs.find((c) => c.n === n);
  for (const [n, target] of [
    [1000, 50],
    [5000, 250],
  ] as const) {
    const c = at(n);
    if (c && c.medianMs > target) {
      out.push(
        `**Tick at N = ${n.toLocaleString("en")} misses ≤ ${target} ms** — median ${fmt(c.medianMs)} ms, ${fmt(c.medianMs - target)} ms (${pct(c.medianMs / target - 1)}) over. Why: every tick reads every command item, by design (one paged Query gives selection everything it needs; no index to keep consistent). Inside the tick that Query takes ${fmt(c.queryMedianMs)} ms (median, timed around the client call) for ${n.toLocaleString("en")} items — dynalite is a JavaScript DynamoDB emulator on LevelDB that validates and re-encodes every item, and here it shares one thread with the tick. The rest of the tick — converting and checking the items, and ${fmt(c.requests - 1, 0)} other requests that do not grow with N — takes about ${fmt(c.medianMs - c.queryMedianMs)} ms. On DynamoDB itself the Query is served by the service (1 MB a page); this benchmark does not measure that. Cutting the tick's read would need an index of due times or a projection of the fields selection needs — changes to the data model left for a later issue.`,
        "",
      );
    }
  }
  for (const [n, target] of [
    [1000, 50],
    [5000, 250],
  ] as const) {
    const c = at(n);
    if (c && Math.abs(c.medianMs / target - 1) <= 0.1)
      out.push(
        `The tick median at N = ${n.toLocaleString("en")} (${fmt(c.medianMs)} ms) is within 10 % of its ${target} ms target: on a busy machine the run-to-run variation of a median can put it on either side.`,
        "",
      );
  }
  const slow = fp.functions.filter((f) => f.loadWithSdkMs > 200);
  if (slow.length > 0) {
    out.push(
      `**Cold module load misses ≤ 200 ms** for ${slow.map((f) => `${f.name} (${fmt(f.loadWithSdkMs)} ms, ${fmt(f.loadWithSdkMs - 200)} ms over)`).join(", ")}. Of that, loading the AWS SDK clients takes ${fmt(fp.sdkMs)} ms; the bundles alone take at most ${fmt(Math.max(...fp.functions.map((f) => f.loadAloneMs)))} ms.`,
      "",
    );
  }
  if (out.length === 2) out.push("Every target is met.", "");
  return out.join("\n");
}

async function main(): Promise<void> {
  const { config } = parseConfig({});
  const acc = await accuracy(config);
  accuracyResults = acc;

  const costs: TickCost[] = [];
  tickLoad.start = loadavg()[0] ?? 0;
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

  const fp = await footprint();
  const biggest = fp.functions.reduce((a, f) => (f.bytes > a.bytes ? f : a));
  checks.push({
    target: "every function bundle ≤ 1 MB",
    measured: `largest: ${biggest.name}, ${bytes(biggest.bytes)} (${biggest.bytes.toLocaleString("en")} bytes)`,
    ok: fp.functions.every((f) => f.bytes <= 1_000_000),
  });
  const slowest = fp.functions.reduce((a, f) => (f.loadWithSdkMs > a.loadWithSdkMs ? f : a));
  checks.push({
    target: "cold module load ≤ 200 ms",
    measured: `slowest: ${slowest.name}, ${fmt(slowest.loadWithSdkMs)} ms including the SDK`,
    ok: fp.functions.every((f) => f.loadWithSdkMs <= 200),
  });

  const totalS = (performance.now() - began) / 1000;
  const doc = [
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
    notes(acc, costs, fp),
    accuracySection(acc),
    tickSection(costs, history),
    footprintSection(fp),
    "## How the figures compare with the Python daemon",
    "",
    "The Python daemon's figures are its published ones for the same settings (60 s ticks, 60 s global minimum, its `select_next` + `start_command` loop on a fake clock); they were not re-measured here. Its tick rewrote the whole JSON store three times, so its bytes written grow with commands × history; here a tick writes a constant handful of small items.",
    "",
    ...(() => {
      const c1000 = costs.find((c) => c.n === 1000);
      const c5000 = costs.find((c) => c.n === 5000);
      if (!c1000 || !c5000) return [];
      return [
        `- N = 1,000: ${fmt(c1000.medianMs)} ms median here against 670–930 ms (${fmt(670 / c1000.medianMs, 0)}–${fmt(930 / c1000.medianMs, 0)}× faster); ${bytes(c1000.bytesWritten)} written against 32.7 MB (${Math.round(32_700_000 / c1000.bytesWritten).toLocaleString("en")}× less).`,
        `- N = 5,000: ${fmt(c5000.medianMs)} ms against 3.3 s (${fmt(3300 / c5000.medianMs, 0)}× faster); ${bytes(c5000.bytesWritten)} against 163 MB (${Math.round(163_000_000 / c5000.bytesWritten).toLocaleString("en")}× less).`,
        "",
      ];
    })(),
  ].join("\n");
  mkdirSync(join(root, "docs"), { recursive: true });
  // Formatted as the repository's Prettier config would, so \`npm run lint\` accepts it.
  writeFileSync(OUT, await format(doc, { ...(await resolveConfig(OUT)), parser: "markdown" }));
  log(`wrote ${OUT} in ${fmt(totalS, 0)} s`);
  for (const c of checks) log(`${c.ok ? "met   " : "MISSED"} ${c.target}: ${c.measured}`);
}

await main();
