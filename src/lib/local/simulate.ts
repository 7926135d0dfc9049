import { z } from "zod";
import { type Command, type CommandSpec, commandIdSchema, type RunClaim } from "../core/command.js";
import type { Config } from "../runtime/config.js";
import { InvalidInputError } from "../core/errors.js";
import { issueLines } from "../core/issues.js";
import { startEmbeddedStore } from "./embedded-store.js";
import { silentLogger } from "../runtime/log.js";
import { executeClaim } from "../app/run.js";
import type { Runner, Runners } from "../app/runners/index.js";
import { createDocumentClient, createDynamoClient } from "../adapters/dynamodb/client.js";
import { Store } from "../adapters/dynamodb/store.js";
import { ensureTable } from "../adapters/dynamodb/table.js";
import { runTick, type TickDeps } from "../app/tick.js";

/**
 * `ampa simulate` and the benchmark: the real tick (`runTick` → `tickPass`: selection,
 * conditional claims, run recording) on a fake clock, against the real `Store` on an
 * in-memory embedded DynamoDB-compatible server. Runs are instant. Nothing here decides
 * what runs: it only moves the clock and counts starts.
 */

/** One command of a workload file: a JSON array of these. */
export const workloadSchema = z
  .array(
    z.strictObject({
      id: commandIdSchema,
      frequency_minutes: z
        .number({ error: "must be a positive integer" })
        .int("must be a positive integer")
        .positive("must be a positive integer")
        .max(525_600, "must be at most 525600 (one year)"),
      priority: z
        .number({ error: "must be an integer between 0 and 1000" })
        .int("must be an integer between 0 and 1000")
        .min(0, "must be an integer between 0 and 1000")
        .max(1000, "must be an integer between 0 and 1000"),
      requires_llm: z.boolean({ error: "must be true or false" }).optional(),
    }),
    { error: "must be a JSON array of commands" },
  )
  .min(1, "must hold at least one command")
  .superRefine((commands, ctx) => {
    const seen = new Set<string>();
    commands.forEach((c, i) => {
      if (seen.has(c.id))
        ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate id ${c.id}` });
      seen.add(c.id);
    });
  });
export type Workload = z.infer<typeof workloadSchema>;

/** Parses a workload file's text; every problem is reported with its path. */
export function parseWorkload(text: string, source = "workload"): Workload {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = workloadSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const lines = issueLines(parsed.error.issues).map((l) => `  ${l}`);
  throw new InvalidInputError(`${source} is not a valid workload:\n${lines.join("\n")}`);
}

export interface SimulationOptions {
  workload: Workload;
  durationMs: number;
  /** The scheduling period: how often the tick fires (EventBridge: 60 s). */
  tickMs: number;
  globalMinIntervalMs: number;
  priorityWeight: number;
  /** Everything else (poll interval, lease grace, history length) as configured. */
  config: Config;
  /** Simulated time of the first tick. */
  startAt?: number;
}

export interface CommandStats {
  id: string;
  priority: number;
  desiredMs: number;
  runs: number;
  /** Fraction of all starts. */
  share: number;
  /** Start-to-start intervals; null with fewer than two starts. */
  meanMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  /** mean ÷ desired − 1 (0.05 = 5 % late on average). */
  deviation: number | null;
  /** Longest time without a start, counting from the simulation's start and to its end. */
  longestGapMs: number;
  /** Start times relative to the first tick. */
  startsMs: number[];
}

export interface SimulationResult {
  durationMs: number;
  tickMs: number;
  globalMinIntervalMs: number;
  priorityWeight: number;
  pollIntervalMs: number;
  ticks: number;
  passes: number;
  totalStarts: number;
  /** Σ 1/frequency: starts per minute the workload asks for. */
  wantedStartsPerMinute: number;
  commands: CommandStats[];
}

const SIMULATION_EPOCH = Date.parse("2030-01-07T00:00:00.000Z");

const instant: Runner = async () => ({
  exitCode: 0,
  output: "",
  outputTruncatedBytes: 0,
  outcome: "success",
});
/** Runners that succeed at once with no output: simulations and benchmarks time only the scheduler. */
export const instantRunners: Runners = {
  shell: instant,
  heartbeat: instant,
  delegation: instant,
  "triage-audit": instant,
};

export function workloadSpecs(workload: Workload): CommandSpec[] {
  return workload.map((w) => ({
    id: w.id,
    command: "true",
    type: "shell",
    frequencyMinutes: w.frequency_minutes,
    priority: w.priority,
    requiresLlm: w.requires_llm ?? false,
    metadata: {},
    maxRuntimeMinutes: null,
    paused: false,
  }));
}

/** Start-to-start statistics of one command. */
export function commandStats(
  spec: Pick<CommandSpec, "id" | "priority" | "frequencyMinutes">,
  startsMs: readonly number[],
  totalStarts: number,
  durationMs: number,
): CommandStats {
  const intervals = startsMs.slice(1).map((s, i) => s - (startsMs[i] ?? s));
  const desiredMs = spec.frequencyMinutes * 60_000;
  const meanMs =
    intervals.length > 0 ? intervals.reduce((a, b) => a + b, 0) / intervals.length : null;
  const edges = [0, ...startsMs, durationMs];
  const longestGapMs = Math.max(...edges.slice(1).map((e, i) => e - (edges[i] ?? e)));
  return {
    id: spec.id,
    priority: spec.priority,
    desiredMs,
    runs: startsMs.length,
    share: totalStarts > 0 ? startsMs.length / totalStarts : 0,
    meanMs,
    minMs: intervals.length > 0 ? Math.min(...intervals) : null,
    maxMs: intervals.length > 0 ? Math.max(...intervals) : null,
    deviation: meanMs === null ? null : meanMs / desiredMs - 1,
    longestGapMs,
    startsMs: [...startsMs],
  };
}

/**
 * Runs `durationMs` of ticks, one every `tickMs`, each exactly as the tick function runs
 * one (including its polling inside the minute when the global minimum is shorter).
 */
export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const startAt = opts.startAt ?? SIMULATION_EPOCH;
  const config: Config = {
    ...opts.config,
    tableName: "ampa-simulation",
    tickIntervalMs: opts.tickMs,
    globalMinIntervalMs: opts.globalMinIntervalMs,
    priorityWeight: opts.priorityWeight,
    dynamodbEndpoint: undefined,
  };
  const server = await startEmbeddedStore();
  const dynamo = createDynamoClient({ region: config.region, endpoint: server.endpoint });
  try {
    await ensureTable(dynamo, config.tableName);
    const store = new Store(createDocumentClient(dynamo), {
      tableName: config.tableName,
      maxRunHistory: config.maxRunHistory,
    });
    const specs = workloadSpecs(opts.workload);
    for (const spec of specs) await store.addCommand(spec, startAt);

    let now = startAt;
    const clock = () => now;
    const starts = new Map<string, number[]>(specs.map((s) => [s.id, []]));
    const runDeps = { store, config, log: silentLogger, clock, runners: instantRunners };
    const deps: TickDeps = {
      store,
      config,
      log: silentLogger,
      clock,
      probeLlm: async () => true,
      sleep: async (ms) => {
        now += ms;
      },
      owner: "simulation",
      dispatch: async (command: Command, claim: RunClaim) => {
        starts.get(command.id)?.push(claim.startedAt - startAt);
        await executeClaim(runDeps, command, claim);
      },
    };

    let ticks = 0;
    let passes = 0;
    for (let at = startAt; at < startAt + opts.durationMs; at += opts.tickMs) {
      now = at;
      passes += (await runTick(deps, at)).length;
      ticks++;
    }
    const totalStarts = [...starts.values()].reduce((n, s) => n + s.length, 0);
    return {
      durationMs: opts.durationMs,
      tickMs: opts.tickMs,
      globalMinIntervalMs: opts.globalMinIntervalMs,
      priorityWeight: opts.priorityWeight,
      pollIntervalMs: config.pollIntervalMs,
      ticks,
      passes,
      totalStarts,
      wantedStartsPerMinute: specs.reduce((n, s) => n + 1 / s.frequencyMinutes, 0),
      commands: specs.map((s) =>
        commandStats(s, starts.get(s.id) ?? [], totalStarts, opts.durationMs),
      ),
    };
  } finally {
    dynamo.destroy();
    await server.close();
  }
}
