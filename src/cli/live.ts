import type { RunRecord } from "../lib/core/command.js";
import { AmpaError } from "../lib/core/errors.js";
import type { LiveSource } from "../lib/core/live-output.js";
import { liveLines } from "../lib/app/live-follow.js";
import { agentLineRenderer } from "../lib/app/agents/render.js";
import { commandAgent } from "../lib/app/agents/profiles.js";
import { commandModule, isCommandType } from "../lib/app/commands/registry.js";
import {
  eventRenderer,
  type LineRenderer,
  rawRenderer,
  shownLine,
} from "../lib/core/live-render.js";
import { LiveFileSource } from "../lib/adapters/live-file.js";
import { liveOutputPath } from "../lib/adapters/process/worker-dispatch.js";
import { workersDir } from "../lib/runtime/services.js";
import type { Target } from "./target.js";

/**
 * A run's output as it is produced, for `ampa logs` and the dashboard's live view: which
 * run an id means, where its live output is (the local worker's file, the task's or the
 * function's CloudWatch log), and its lines until its record says it ended.
 */

/** The run an id names: one still running, or one on record. */
export type RunToShow =
  { state: "running"; commandId: string; runId: string } | { state: "ended"; run: RunRecord };

type Store = Target["app"]["store"];

export class UnknownRunError extends AmpaError {
  override readonly name = "UnknownRunError";
  constructor(id: string) {
    super(`Unknown command or run id: ${id}`, "unknown-command");
  }
}

/**
 * A command id means its running run, else its last run; any other id a run id, found
 * among the commands' leases and stored runs. Undefined: a command that never ran.
 */
export async function findRun(store: Store, id: string): Promise<RunToShow | undefined> {
  const command = await store.getCommand(id);
  if (command) {
    if (command.leaseRunId)
      return { state: "running", commandId: command.id, runId: command.leaseRunId };
    const [last] = await store.listRuns(command.id, 1);
    return last ? { state: "ended", run: last } : undefined;
  }
  const { commands } = await store.listCommands();
  const holder = commands.find((c) => c.leaseRunId === id);
  if (holder) return { state: "running", commandId: holder.id, runId: id };
  for (const c of commands) {
    if (c.lastStartAt === undefined) continue;
    const run = (await store.listRuns(c.id)).find((r) => r.runId === id);
    if (run) return { state: "ended", run };
  }
  throw new UnknownRunError(id);
}

/** Whether the run has ended: its command no longer holds a lease for it. */
export async function runEnded(store: Store, commandId: string, runId: string): Promise<boolean> {
  const command = await store.getCommand(commandId);
  return command?.leaseRunId !== runId;
}

/** The stored run, once its record is written (a moment after its lease is released). */
async function storedRun(store: Store, commandId: string, runId: string) {
  return (await store.listRuns(commandId)).find((r) => r.runId === runId);
}

/**
 * Where the running run's output is while it runs: locally the worker's file; on a
 * deployed stage the ECS task's log stream or the function's log group, by the worker
 * its lease names (waited for while the run is starting). Undefined: none to read (a run
 * in another process's memory, `inline`): its output comes with its record.
 */
async function sourceOf(
  target: Target,
  run: { commandId: string; runId: string },
  opts: { pollMs: number; signal?: AbortSignal },
): Promise<LiveSource | undefined> {
  const { app } = target;
  if (!target.deployed)
    return new LiveFileSource(liveOutputPath(workersDir(app.config.storeDir), run.runId));
  for (;;) {
    const command = await app.store.getCommand(run.commandId);
    if (command?.leaseRunId !== run.runId || opts.signal?.aborted) return undefined;
    const worker = command.leaseWorker;
    if (worker) return cloudWatchSource(target, run.runId, worker, command.lastStartAt ?? 0);
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

async function cloudWatchSource(
  target: Target,
  runId: string,
  worker: string,
  startedAt: number,
): Promise<LiveSource | undefined> {
  const deployed = target.deployed;
  if (!deployed) return undefined;
  // Loaded here only: no other verb needs the CloudWatch Logs client.
  const { CloudWatchLogsClient } = await import("@aws-sdk/client-cloudwatch-logs");
  const cw = await import("../lib/adapters/cloudwatch-logs.js");
  const client = new CloudWatchLogsClient({ region: deployed.runOnce.region });
  if (worker.startsWith("ecs:"))
    return new cw.CloudWatchStreamSource({
      client,
      group: cw.workerLogGroup(deployed.stage),
      stream: cw.workerLogStream(worker.slice(4)),
      runId,
    });
  if (worker.startsWith("lambda:"))
    return new cw.CloudWatchFilterSource({
      client,
      group: cw.runCommandLogGroup(deployed.stage),
      runId,
      startTime: startedAt,
    });
  return undefined;
}

export interface RunLinesOptions {
  follow: boolean;
  pollMs?: number;
  signal?: AbortSignal;
  /** Told which run the lines are of, before the first. */
  onRun?: (run: RunToShow) => void;
}

const storedLines = (run: RunRecord) =>
  run.output === "" ? [] : run.output.replace(/\n$/, "").split("\n");

/**
 * The lines of the run `id` names, as received (the caller renders them and makes them
 * inert): a finished run's stored output; a running run's live output so far, and with
 * `follow` each new line until its record says it ended. A run whose live output could
 * not be read (none, or nothing came) shows its stored output once it ends.
 */
export async function* runLines(
  target: Target,
  id: string,
  opts: RunLinesOptions,
): AsyncGenerator<string> {
  const { store } = target.app;
  const pollMs = opts.pollMs ?? 1000;
  const found = await findRun(store, id);
  if (!found) return;
  opts.onRun?.(found);
  if (found.state === "ended") {
    yield* storedLines(found.run);
    return;
  }
  const { commandId, runId } = found;
  const source = await sourceOf(target, found, {
    pollMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  let seen = 0;
  if (source)
    for await (const line of liveLines(source, {
      follow: opts.follow,
      ended: () => runEnded(store, commandId, runId),
      pollMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    })) {
      seen++;
      yield line;
    }
  if (seen > 0 || !opts.follow || opts.signal?.aborted) return;
  // Nothing live: the output on record, once there (the lease is released just before).
  while (!(await runEnded(store, commandId, runId)) && !opts.signal?.aborted)
    await new Promise((r) => setTimeout(r, pollMs));
  for (let i = 0; i < 10 && !opts.signal?.aborted; i++) {
    const run = await storedRun(store, commandId, runId);
    if (run) return yield* storedLines(run);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * How a command's lines are shown: a type that runs an agent, by that agent's own parser
 * (its profile); anything else (a shell command that may run an agent itself) by the
 * generic view of JSON events.
 */
export async function rendererFor(target: Target, commandId: string): Promise<LineRenderer> {
  const command = await target.app.store.getCommand(commandId);
  if (!command || !isCommandType(command.type) || !commandModule(command.type).runsAgent)
    return eventRenderer;
  const chosen = commandAgent(command.metadata, target.app.config.defaultAgent);
  return chosen.ok ? agentLineRenderer(chosen.profile) : eventRenderer;
}

/** runLines, each line rendered (as rendererFor says, or as received with `raw`) and inert. */
export async function* shownRunLines(
  target: Target,
  id: string,
  opts: RunLinesOptions & { raw?: boolean },
): AsyncGenerator<string> {
  let commandId: string | undefined;
  let render: LineRenderer | undefined = opts.raw ? rawRenderer : undefined;
  const onRun = (run: RunToShow) => {
    commandId = run.state === "running" ? run.commandId : run.run.commandId;
    opts.onRun?.(run);
  };
  for await (const line of runLines(target, id, { ...opts, onRun })) {
    render ??= commandId === undefined ? eventRenderer : await rendererFor(target, commandId);
    const shown = shownLine(line, render);
    if (shown !== undefined) yield shown;
  }
}
