import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pino } from "pino";
import type { Command, CommandSpec, RunClaim } from "../../src/lib/core/command.js";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore, type Store } from "../../src/lib/adapters/dynamodb/store.js";
import { ensureTable } from "../../src/lib/adapters/dynamodb/table.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import { executeClaim } from "../../src/lib/app/run.js";
import { simulatedRunners } from "../../src/lib/app/commands/registry.js";
import { shellRunner } from "../../src/lib/app/commands/shell/index.js";
import { runTick } from "../../src/lib/app/tick.js";
import { exampleCommands } from "../../src/lib/local/examples.js";
import { startEmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { metricsText } from "../../src/lib/runtime/metrics-page.js";
import { fmt, log, median } from "./format.js";

/**
 * The figures docs/cost.md is computed from, measured on the real tick, run and /metrics
 * code against an embedded store: DynamoDB request units (as the store reports them with
 * ReturnConsumedCapacity), the bytes of the JSON log lines each writes, their durations.
 */

const root = resolve(import.meta.dirname, "../..");
const T0 = Date.parse("2030-01-07T00:00:00.000Z");

/** One invocation's measured cost (medians over the samples). */
export interface PerInvocation {
  durationMs: number;
  requests: number;
  readUnits: number;
  writeUnits: number;
  logBytes: number;
}

export interface MeasuredSet {
  label: string;
  commands: number;
  ticks: number;
  /** Fraction of ticks that started a run (one runCommand invocation each). */
  startsPerTick: number;
  tick: PerInvocation;
  /** A `date` run (shell) as runCommand executes it, Discord post not included. */
  shellRun: PerInvocation;
  scrape: PerInvocation;
  /** Table size when every command's run history is full, 100 B overhead per item. */
  storageBytes: number;
}

const READS = new Set(["GetItemCommand", "QueryCommand", "ScanCommand", "BatchGetItemCommand"]);
type Units = { requests: number; read: number; write: number };

/** Asks every request for its consumed capacity and adds it up in `units`. */
function meter(dynamo: DynamoDBClient, units: Units): void {
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const op = context.commandName ?? "";
      const input = args.input as { ReturnConsumedCapacity?: string };
      if (op !== "CreateTableCommand" && op !== "DescribeTableCommand")
        input.ReturnConsumedCapacity = "TOTAL";
      const res = await next(args);
      units.requests++;
      const cc = (res.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const c of (Array.isArray(cc) ? cc : cc ? [cc] : []) as { CapacityUnits?: number }[])
        units[READS.has(op) ? "read" : "write"] += c.CapacityUnits ?? 0;
      return res;
    },
    { step: "initialize", name: "benchCapacity" },
  );
}

/** Item sizes by kind: run items (RUN#…) and all others. */
async function itemSizes(dynamo: DynamoDBClient, tableName: string) {
  const sizes = { runs: [] as number[], other: 0 };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start as never }),
    );
    for (const item of page.Items ?? []) {
      // Attribute names and values as stored, plus DynamoDB's 100 B per item.
      const size = Buffer.byteLength(JSON.stringify(item)) + 100;
      if (item.pk?.S?.startsWith("RUN#")) sizes.runs.push(size);
      else sizes.other += size;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return sizes;
}

function medians(samples: PerInvocation[]): PerInvocation {
  const m = (f: (s: PerInvocation) => number) => median(samples.map(f));
  return {
    durationMs: m((s) => s.durationMs),
    requests: m((s) => s.requests),
    readUnits: m((s) => s.readUnits),
    writeUnits: m((s) => s.writeUnits),
    logBytes: m((s) => s.logBytes),
  };
}

/** The options of runtime/log.ts's createLogger, counting bytes instead of writing them. */
function countingLogger(level: string, logged: { bytes: number }) {
  return pino(
    {
      level,
      base: { service: "ampa" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (l) => ({ level: l }) },
    },
    { write: (line: string) => void (logged.bytes += Buffer.byteLength(line)) },
  );
}

/** Runs `action` and returns its time, requests, request units and log bytes. */
async function timedCall(
  units: Units,
  logged: { bytes: number },
  action: () => Promise<unknown>,
): Promise<PerInvocation> {
  Object.assign(units, { requests: 0, read: 0, write: 0 });
  logged.bytes = 0;
  const t = performance.now();
  await action();
  const durationMs = performance.now() - t;
  const { requests, read: readUnits, write: writeUnits } = units;
  return { durationMs, requests, readUnits, writeUnits, logBytes: logged.bytes };
}

/** Runs `ticks` ticks a minute apart over `specs`, each dispatched run and one scrape per tick. */
export async function measureSet(
  label: string,
  specs: CommandSpec[],
  ticks: number,
): Promise<MeasuredSet> {
  log(`cost: ${label}, ${ticks} ticks`);
  const { config: base } = parseConfig({});
  const config = { ...base, tableName: "ampa-cost" };
  const server = await startEmbeddedStore();
  const dynamo = createDynamoClient({
    region: config.region,
    endpoint: server.endpoint,
    key: server.key,
  });
  try {
    await ensureTable(dynamo, config.tableName);
    const store = createStore(createDocumentClient(dynamo), config);
    const units: Units = { requests: 0, read: 0, write: 0 };
    meter(dynamo, units);
    const logged = { bytes: 0 };
    const logger = countingLogger(config.logLevel, logged);
    let now = T0 - 3_600_000;
    for (const spec of specs) await store.addCommand(spec, now);
    const clock = () => now;
    const runners = { ...simulatedRunners(), shell: shellRunner(processes.runShell) };
    const runDeps = { store, config, log: logger, clock, runners };
    const dispatched: { command: Command; claim: RunClaim }[] = [];
    const deps = {
      ...runDeps,
      owner: "bench",
      probeLlm: async () => true,
      sleep: async (ms: number) => void (now += ms),
      dispatch: async (command: Command, claim: RunClaim) =>
        void dispatched.push({ command, claim }),
    };
    const timed = (action: () => Promise<unknown>) => timedCall(units, logged, action);
    const samples = {
      tick: [] as PerInvocation[],
      run: [] as PerInvocation[],
      scrape: [] as PerInvocation[],
    };
    let starts = 0;
    for (let k = 0; k < ticks; k++) {
      now = T0 + k * 60_000;
      samples.tick.push(await timed(() => runTick(deps, now)));
      for (const { command, claim } of dispatched.splice(0)) {
        starts++;
        const run = await timed(() => executeClaim(runDeps, command, claim));
        if (command.type === "shell") samples.run.push(run);
      }
      samples.scrape.push(await timed(() => scrape(store)));
    }
    const sizes = await itemSizes(dynamo, config.tableName);
    const runItem = sizes.runs.length > 0 ? median(sizes.runs) : 0;
    return {
      label,
      commands: specs.length,
      ticks,
      startsPerTick: starts / ticks,
      tick: medians(samples.tick),
      shellRun: medians(samples.run),
      scrape: medians(samples.scrape),
      storageBytes: sizes.other + specs.length * config.maxRunHistory * runItem,
    };
  } finally {
    dynamo.destroy();
    await server.close();
  }
}

/** What the metrics handler does for one scrape (src/handlers/metrics.ts), token aside. */
async function scrape(store: Store): Promise<void> {
  await metricsText(store, { warn: () => undefined }, T0);
}

/** The example set `npm start` seeds, and 100 shell commands of 1 to 10 minutes. */
export async function measureCostSets(): Promise<MeasuredSet[]> {
  const hundred: CommandSpec[] = Array.from({ length: 100 }, (_, i) => ({
    ...(exampleCommands(1)[0] as CommandSpec),
    id: `cmd-${String(i).padStart(3, "0")}`,
    title: `Command ${i}`,
    frequencyMinutes: 1 + (i % 10),
  }));
  return [
    await measureSet("example set (heartbeat + `date` every minute)", exampleCommands(1), 30),
    await measureSet("100 shell commands (every 1 to 10 minutes)", hundred, 30),
  ];
}

/** `provider.memorySize` and the default log retention, read from serverless.yml. */
export function templateSettings(): { memoryMb: number; logRetentionDays: number } {
  const yml = readFileSync(join(root, "serverless.yml"), "utf8");
  const memory = [...yml.matchAll(/^\s+memorySize: (\d+)$/gm)];
  const retention = /^\s+logRetentionInDays: (\d+)$/m.exec(yml);
  // One memory size for every function: a per-function one would need per-function figures.
  if (memory.length !== 1 || !retention)
    throw new Error(
      "bench: expected one memorySize and a numeric logRetentionInDays in serverless.yml",
    );
  return { memoryMb: Number(memory[0]?.[1]), logRetentionDays: Number(retention[1]) };
}

export const describe = (p: PerInvocation) =>
  `${fmt(p.durationMs)} ms, ${fmt(p.requests, 0)} requests, ${fmt(p.readUnits, 1)} RRU, ${fmt(p.writeUnits, 1)} WRU, ${p.logBytes} B of log`;
