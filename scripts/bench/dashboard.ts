// `node --import tsx scripts/bench/dashboard.ts [--commands 100] [--runs 50] [--screenshot docs/dashboard.png]`
// Seeds an in-memory store, serves `ampa dashboard` over it in this process and measures
// page weight, time to first render and how soon a recorded run shows (the event stream) in
// a headless Chromium (playwright-core; scripts/chromium.ts finds one). With
// --screenshot it writes a picture of the page for the README instead of timing figures.
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";
import { launchChromium } from "../chromium.js";
import { storeFingerprint } from "../../src/cli/dashboard/events.js";
import { startDashboard } from "../../src/cli/dashboard/server.js";
import { SnapshotReader } from "../../src/cli/dashboard/snapshot.js";
import type { Command, RunOutcome, RunRecord } from "../../src/lib/core/command.js";
import { ensureTable } from "../../src/lib/adapters/dynamodb/table.js";
import { startEmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { createApp } from "../../src/lib/runtime/app.js";
import { parseConfig } from "../../src/lib/runtime/config.js";

const TYPES = ["shell", "heartbeat", "triage-audit", "shell", "delegation"] as const;
const OUTCOMES: RunOutcome[] = ["success", "success", "success", "success", "failure", "timeout"];

const { values } = parseArgs({
  options: {
    commands: { type: "string", default: "100" },
    runs: { type: "string", default: "50" },
    screenshot: { type: "string" },
  },
});
const commandCount = Number(values.commands);
const runsEach = Number(values.runs);

function seed(now: number): { commands: Command[]; runs: RunRecord[] } {
  const commands: Command[] = [];
  const runs: RunRecord[] = [];
  for (let i = 0; i < commandCount; i++) {
    const id = `cmd-${String(i).padStart(3, "0")}`;
    const every = (24 * 60) / runsEach;
    let last: RunRecord | undefined;
    for (let k = runsEach - 1; k >= 0; k--) {
      const startedAt = now - (k + 0.2 + (i % 7) / 10) * every * 60_000;
      const durationMs = 5_000 + ((i * 37 + k * 11) % 20) * 9_000;
      const outcome = OUTCOMES[(i + k) % OUTCOMES.length] ?? "success";
      last = {
        commandId: id,
        runId: `${id}-${k}`,
        trigger: k % 17 === 0 ? "run-once" : "schedule",
        startedAt,
        endedAt: startedAt + durationMs,
        durationMs,
        exitCode: outcome === "success" ? 0 : outcome === "timeout" ? null : 1,
        outcome,
        output: `run ${k} of ${id}: ${outcome === "success" ? "ok" : "Error: something broke"}\n…`,
        outputTruncatedBytes: 0,
      };
      runs.push(last);
    }
    commands.push({
      id,
      command: `echo ${id}`,
      type: TYPES[i % TYPES.length] ?? "shell",
      frequencyMinutes: Math.round(every),
      priority: i % 3,
      requiresLlm: false,
      metadata: {},
      maxRuntimeMinutes: null,
      paused: i % 10 === 9,
      ...(i % 4 === 0 ? { title: `Nightly job ${i}` } : {}),
      lastStartAt: last?.startedAt,
      lastEndAt: last?.endedAt,
      lastRunId: last?.runId,
      lastOutcome: last?.outcome,
      ...(last?.exitCode === null || last === undefined ? {} : { lastExitCode: last.exitCode }),
    });
  }
  return { commands, runs };
}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += 16) await Promise.all(items.slice(i, i + 16).map(fn));
}

const store = await startEmbeddedStore();
const { config } = parseConfig({
  AMPA_TABLE_NAME: "ampa-bench-dashboard",
  AMPA_LOG_LEVEL: "silent",
});
const app = createApp({ config, endpoint: store.endpoint, storeKey: store.key });
await ensureTable(app.dynamo, config.tableName);
const now = Date.now();
const seeded = seed(now);
await inBatches(seeded.runs, (r) => app.store.putRunRecord(r));
await inBatches(seeded.commands, (c) => app.store.putCommandWithState(c));

const reader = new SnapshotReader(app);
const dashboard = await startDashboard({
  port: 0,
  read: () => reader.read(),
  watch: () => storeFingerprint(app),
  actions: {
    pause: async () => "not in the benchmark",
    resume: async () => "not in the benchmark",
    runOnce: async () => "not in the benchmark",
    redrive: async () => "not in the benchmark",
  },
  target: `Reading a seeded store: ${commandCount} commands, ${seeded.runs.length} runs`,
});

/** A finished run of `id`, recorded as a runner records it: the run, then the command. */
async function recordRun(id: string, k: number): Promise<RunRecord> {
  const endedAt = Date.now();
  const run: RunRecord = {
    commandId: id,
    runId: `${id}-live-${k}`,
    trigger: "schedule",
    startedAt: endedAt - 2_000,
    endedAt,
    durationMs: 2_000,
    exitCode: 0,
    outcome: "success",
    output: "live",
    outputTruncatedBytes: 0,
  };
  await app.store.putRunRecord(run);
  const command = seeded.commands.find((c) => c.id === id);
  if (command)
    await app.store.putCommandWithState({
      ...command,
      lastStartAt: run.startedAt,
      lastEndAt: run.endedAt,
      lastRunId: run.runId,
      lastOutcome: "success",
      lastExitCode: 0,
    });
  return run;
}

/** Listens to the event stream as the page does; each `change` event's arrival time. */
async function listenForChanges(url: string): Promise<{ changes: number[]; stop: () => void }> {
  const abort = new AbortController();
  const changes: number[] = [];
  const res = await fetch(url, { signal: abort.signal });
  const chunks = (res.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  // Changes count once the stream says it is ready (it watches for this listener).
  for (let text = ""; !text.includes("event: ready");)
    text += Buffer.from((await chunks.next()).value ?? "").toString();
  void (async () => {
    try {
      for (let r = await chunks.next(); !r.done; r = await chunks.next())
        if (Buffer.from(r.value).toString().includes("event: change")) changes.push(Date.now());
    } catch {
      // Stopped.
    }
  })();
  return { changes, stop: () => abort.abort() };
}

async function timedGet(url: string): Promise<{ ms: number; body: string }> {
  const t0 = performance.now();
  const body = await (await fetch(url)).text();
  return { ms: performance.now() - t0, body };
}

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  if (values.screenshot) {
    await page.goto(dashboard.url);
    await page.screenshot({ path: values.screenshot, fullPage: true });
    console.log(`wrote ${values.screenshot}`);
  } else {
    const cold = await timedGet(dashboard.url);
    const warm = await timedGet(dashboard.url);
    const json = await timedGet(`${dashboard.url.replace("/?", "/api/snapshot?")}`);
    // A refresh in steady state: the page already shows every section's current version.
    const { versions } = JSON.parse(json.body) as { versions: Record<string, string> };
    const known = Object.entries(versions)
      .map(([id, v]) => `${id}:${v}`)
      .join(",");
    const steady = await timedGet(
      `${dashboard.url.replace("/?", "/api/snapshot?")}&known=${encodeURIComponent(known)}`,
    );
    const paints: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.goto(dashboard.url, { waitUntil: "load" });
      paints.push(
        await page.evaluate(
          () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
        ),
      );
    }
    paints.sort((a, b) => a - b);
    // Live: from a run's recorded end to its bar on the open page (event, then refresh).
    await page.goto(dashboard.url, { waitUntil: "load" });
    await page.waitForSelector('body[data-live="open"]');
    const listener = await listenForChanges(dashboard.url.replace("/?", "/events?"));
    const live: number[] = [];
    const events: number[] = [];
    for (let k = 0; k < 5; k++) {
      const run = await recordRun(`cmd-${String(k * 7).padStart(3, "0")}`, k);
      await page.waitForSelector(`rect[data-run="${run.runId}"]`, { timeout: 30_000 });
      live.push(Date.now() - run.endedAt);
      events.push((listener.changes.find((t) => t >= run.endedAt) ?? Number.NaN) - run.endedAt);
    }
    listener.stop();
    live.sort((a, b) => a - b);
    events.sort((a, b) => a - b);
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    const figures = {
      commands: commandCount,
      runs: seeded.runs.length,
      pageBytes: kb(Buffer.byteLength(warm.body)),
      pageGzipBytes: kb(gzipSync(warm.body).length),
      snapshotJsonBytes: kb(Buffer.byteLength(json.body)),
      coldPageMs: Math.round(cold.ms),
      warmPageMs: Math.round(warm.ms),
      snapshotJsonMs: Math.round(json.ms),
      steadyRefreshBytes: Buffer.byteLength(steady.body),
      steadyRefreshMs: Math.round(steady.ms),
      firstContentfulPaintMedianMs: Math.round(paints[2] ?? Number.NaN),
      firstContentfulPaintMs: paints.map(Math.round),
      liveRunToBarMedianMs: live[2],
      liveRunToBarMs: live,
      liveRunToEventMs: events,
    };
    console.log(JSON.stringify(figures, null, 2));
    if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(figures));
  }
} finally {
  await browser.close();
  await dashboard.close();
  app.dynamo.destroy();
  await store.close();
}
