import * as z from "zod";
import {
  type CommandSpec,
  commandIdSchema,
  frequencyMinutesSchema,
  prioritySchema,
} from "../core/command.js";
import type { Config } from "../core/config.js";
import { InvalidInputError } from "../core/errors.js";
import { issueLines } from "../core/issues.js";
import { withHarness } from "./harness.js";

/**
 * `ampa simulate` and the benchmark's accuracy section: a workload run through the
 * harness (harness.ts: the real tick on a virtual clock against an embedded store).
 * Nothing here decides what runs: it only moves the clock and counts starts.
 */

/** One command of a workload file: a JSON array of these. */
export const workloadSchema = z
  .array(
    z.strictObject({
      id: commandIdSchema,
      // A value that is not a number at all gets the same message as a bad number.
      frequency_minutes: z
        .number({ error: "must be a positive integer" })
        .pipe(frequencyMinutesSchema),
      priority: z.number({ error: "must be an integer between 0 and 1000" }).pipe(prioritySchema),
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
  const specs = workloadSpecs(opts.workload);
  const starts = new Map<string, number[]>(specs.map((s) => [s.id, []]));
  const onStart = (command: CommandSpec, claim: { startedAt: number }) => {
    starts.get(command.id)?.push(claim.startedAt - startAt);
  };
  return withHarness({ config, owner: "simulation", onStart }, async (harness) => {
    for (const spec of specs) await harness.store.addCommand(spec, startAt);
    let ticks = 0;
    let passes = 0;
    for (let at = startAt; at < startAt + opts.durationMs; at += opts.tickMs) {
      passes += (await harness.tick(at)).length;
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
  });
}
