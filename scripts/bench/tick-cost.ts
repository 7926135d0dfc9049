import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { cpus } from "node:os";
import type { Command, RunRecord } from "../../src/lib/core/command.js";
import type { Config } from "../../src/lib/core/config.js";
import { createDocumentClient } from "../../src/lib/adapters/dynamodb/client.js";
import { runRecord } from "../../src/lib/core/run-record.js";
import { bulkLoad } from "../../src/lib/local/bulk-load.js";
import { type Harness, withHarness } from "../../src/lib/local/harness.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { exactBytes, fmt, log, median, quantile } from "./format.js";

/**
 * Tick cost: the cost of one tick against a store seeded with N commands and their run
 * history, in requests, bytes written and time.
 */

const TICK_MS = 60_000;

export interface TickCost {
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

/** Seeds `commands` and `history` runs each, in batches of about 20,000 runs. */
async function seed(
  dynamo: DynamoDBClient,
  tableName: string,
  commands: Command[],
  history: number,
): Promise<void> {
  const doc = createDocumentClient(dynamo);
  await bulkLoad(doc, tableName, { commands });
  const perBatch = Math.max(1, Math.floor(20_000 / Math.max(history, 1)));
  for (let i = 0; i < commands.length; i += perBatch) {
    const runs: RunRecord[] = [];
    for (const c of commands.slice(i, i + perBatch)) {
      for (let k = 0; k < history; k++) {
        const startedAt = (c.lastStartAt ?? T0) - k * c.frequencyMinutes * 60_000;
        const output = `Found ${k % 7} in_progress work item(s)\n`.padEnd(120, ".");
        const claim = { commandId: c.id, runId: `seed-${c.id}-${k}`, startedAt };
        runs.push(
          runRecord(
            { ...claim, trigger: "schedule" },
            { exitCode: 0, outcome: "success", output },
            startedAt + 1500,
          ),
        );
      }
    }
    await bulkLoad(doc, tableName, { runs });
  }
}

/** What the middleware counted since the last reset. */
interface Counters {
  requests: number;
  written: number;
  commandQueryMs: number;
  byOp: Record<string, number>;
}

/** Counts every request and the bytes written, and times the command Query, on `dynamo`. */
function instrument(dynamo: DynamoDBClient): Counters {
  const counters: Counters = { requests: 0, written: 0, commandQueryMs: 0, byOp: {} };
  // Counts every request and the body bytes of writes, as sent on the wire.
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      counters.requests++;
      const op = context.commandName ?? "unknown";
      counters.byOp[op] = (counters.byOp[op] ?? 0) + 1;
      if (WRITE_OPS.has(op))
        counters.written += bodyBytes((args.request as { body?: unknown }).body);
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
        counters.commandQueryMs += performance.now() - t;
      }
    },
    { step: "initialize", name: "benchQueryTimer" },
  );
  return counters;
}

/** Per measured tick: time, requests, bytes written, the command Query's time, requests by op. */
interface Samples {
  times: number[];
  reqs: number[];
  wrote: number[];
  queryInTick: number[];
  ops: Record<string, number>[];
}

/** Mean requests per tick by operation. */
function meanByOp(ops: Record<string, number>[]): Record<string, number> {
  const requestsByOp: Record<string, number> = {};
  for (const o of ops)
    for (const [op, count] of Object.entries(o))
      requestsByOp[op] = (requestsByOp[op] ?? 0) + count / ops.length;
  return requestsByOp;
}

/** Runs `warmup + ticks` ticks a minute apart, each of which must start a command. */
async function measureTicks(
  tick: Harness["tick"],
  counters: Counters,
  n: number,
  ticks: number,
): Promise<Samples> {
  const warmup = 3;
  const s: Samples = { times: [], reqs: [], wrote: [], queryInTick: [], ops: [] };
  for (let k = 0; k < warmup + ticks; k++) {
    const now = T0 + k * TICK_MS;
    counters.requests = 0;
    counters.written = 0;
    counters.commandQueryMs = 0;
    for (const key of Object.keys(counters.byOp)) delete counters.byOp[key];
    const t = performance.now();
    const passes = await tick(now);
    const elapsed = performance.now() - t;
    if (passes.length !== 1 || passes[0]?.kind !== "started")
      throw new Error(`tick ${k} at N=${n} did not start a command: ${JSON.stringify(passes)}`);
    if (k < warmup) continue;
    s.times.push(elapsed);
    s.reqs.push(counters.requests);
    s.wrote.push(counters.written);
    s.queryInTick.push(counters.commandQueryMs);
    s.ops.push({ ...counters.byOp });
  }
  return s;
}

/** One row: N commands with `history` runs each, `ticks` ticks measured. */
export async function tickCost(
  n: number,
  history: number,
  maxRunHistory: number,
  ticks: number,
): Promise<TickCost> {
  log(`tick cost: N=${n}, ${history} runs each`);
  const { config: base } = parseConfig({ AMPA_SCHEDULER_MAX_RUN_HISTORY: String(maxRunHistory) });
  const config: Config = { ...base, tableName: "ampa-bench" };
  return withHarness({ config, owner: "bench" }, async ({ store, dynamo, tick }) => {
    const seedStart = performance.now();
    const commands = Array.from({ length: n }, (_, i) => seedCommand(i));
    await seed(dynamo, config.tableName, commands, history);
    const seedMs = performance.now() - seedStart;
    const s = await measureTicks(tick, instrument(dynamo), n, ticks);
    let runsKeptMax = 0;
    for (const c of commands.slice(0, Math.min(n, 50)))
      runsKeptMax = Math.max(runsKeptMax, (await store.listAllRuns(c.id)).length);
    return {
      n,
      history,
      maxRunHistory,
      seedMs,
      samples: s.times.length,
      medianMs: median(s.times),
      p95Ms: quantile(s.times, 0.95),
      queryMedianMs: median(s.queryInTick),
      requests: median(s.reqs),
      requestsByOp: meanByOp(s.ops),
      bytesWritten: median(s.wrote),
      bytesWrittenMax: Math.max(...s.wrote),
      runsKeptMax,
    };
  });
}

export function tickSection(
  costs: TickCost[],
  history: TickCost[],
  tickLoad: { start: number; end: number },
): string {
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
