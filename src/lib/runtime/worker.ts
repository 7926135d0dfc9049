import { hostname } from "node:os";
import { type WorkerDeps, WORKER_EXIT, type WorkerResult, workClaim } from "../app/worker.js";
import { processes } from "../adapters/process/index.js";
import { git } from "../adapters/process/git.js";
import {
  type LiveOutputOptions,
  LiveOutputSink,
  withLiveOutput,
} from "../adapters/process/live-output.js";
import { scratchDirs } from "../adapters/scratch-dirs.js";
import { ssmTaskSecrets } from "../adapters/ssm-task-secrets.js";
import { workspaceRunner, type WorkspaceDeps } from "../app/workspace.js";
import type { Runner, Runners, ToolRunner } from "../core/ports.js";
import { decodeClaim } from "../core/claim-payload.js";
import type { App } from "./app.js";
import {
  type AgentRuntime,
  agentProcesses,
  agentSummarizer,
  prepareAgent,
} from "./agent-identity.js";
import { type AgentSetting, summarizingWithAgent } from "./process-settings.js";
import { asError } from "./log.js";
import { services } from "./services.js";

export { WORKER_EXIT } from "../app/worker.js";

/**
 * Who this worker is, as its lease records it: the ECS task's ARN from the task metadata
 * endpoint (v4) on Fargate, else `pid:<pid>@<host>`.
 */
export async function workerName(
  ecsMetadataUri: string | undefined,
  fetcher: typeof fetch = fetch,
): Promise<string> {
  const local = `pid:${process.pid}@${hostname()}`;
  if (!ecsMetadataUri) return local;
  try {
    const res = await fetcher(`${ecsMetadataUri}/task`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { TaskARN?: unknown };
    if (res.ok && typeof body.TaskARN === "string" && body.TaskARN) return `ecs:${body.TaskARN}`;
  } catch {
    // The endpoint did not answer: the pid still names the worker.
  }
  return local;
}

/**
 * Each runner run in a workspace (app/workspace.ts): a clone of AMPA_WORKSPACE_REPO, if set,
 * owned by the agent user and cloned and synced as it. When that user cannot be used, every
 * run fails with the reason instead of running as the worker.
 */
function inWorkspaces(
  app: App,
  runners: Runners,
  agent: AgentRuntime,
  runTool: ToolRunner,
): Runners {
  const { config } = app;
  const { runAs, home, error } = agent;
  const deps: WorkspaceDeps = {
    secrets: ssmTaskSecrets({ stage: config.stage, region: config.region, useSsm: config.onAws }),
    git: runAs
      ? {
          ...git,
          clone: (req) => git.clone({ ...req, runAs, env: { ...req.env, HOME: home ?? "" } }),
        }
      : git,
    dirs: scratchDirs(config.workspaceDir, runAs ? { owner: runAs } : {}),
    runTool,
    log: app.log,
    clock: Date.now,
  };
  const refuse: Runner = () => Promise.reject(new Error(error));
  return Object.fromEntries(
    Object.entries(runners).map(([type, runner]) => [
      type,
      error ? refuse : workspaceRunner(deps, runner),
    ]),
  ) as Runners;
}

/** The worker's processes and summarizer: as the agent user when one is set. */
function agentServices(agent: AgentRuntime) {
  const { runAs, home } = agent;
  if (!runAs || !home) return { processes };
  return {
    processes: agentProcesses(processes, runAs, home),
    // Opt-in as everywhere (process-settings.ts); none: long output is cut.
    ...(summarizingWithAgent() ? { summarize: agentSummarizer(runAs, home) } : {}),
  };
}

export interface TaskWorkerOptions {
  app: App;
  /** The claim as JSON (AMPA_CLAIM). */
  claimJson: string | undefined;
  /** The lease's name for this worker (see workerName). */
  worker: string;
  /** Aborted on SIGTERM/SIGINT. */
  stop: AbortSignal;
  around?: WorkerDeps["around"];
  /** AMPA_AGENT_UID/GID (runtime/agent-identity.ts); absent: programs run as the worker. */
  agent?: AgentSetting;
  /** Where the program's output goes while it runs (adapters/process/live-output.ts). */
  liveOutput?: Omit<LiveOutputOptions, "runId">;
}

/**
 * The task worker: parse the claim, run it with the container's services (no Lambda time
 * limit: the command's max runtime is the runner's deadline), report how it went.
 */
export async function runTaskWorker(opts: TaskWorkerOptions): Promise<WorkerResult> {
  const { app } = opts;
  const parsed = decodeClaim(opts.claimJson ?? "");
  if (!parsed.ok) {
    const reason =
      opts.claimJson === undefined
        ? "AMPA_CLAIM is not set: a task worker needs the claim to run"
        : `AMPA_CLAIM is not a valid claim: ${parsed.problem}`;
    app.log.error(reason);
    return { code: WORKER_EXIT.badClaim, reason };
  }
  const { claim } = parsed;
  const log = app.log.child({ worker: opts.worker });
  const agent = await prepareAgent(opts.agent ?? {}, app.config.workspaceDir);
  if (agent.error) log.error(agent.error);
  const live = openLiveOutput(opts.liveOutput, claim.runId, log);
  const agentOwn = agentServices(agent);
  const own = live
    ? { ...agentOwn, processes: withLiveOutput(agentOwn.processes, live) }
    : agentOwn;
  const { runDeps: plain } = services(app, { log, ...own });
  // Every run of a task worker is a task run: in its workspace, with its run-time secrets,
  // and its compute time on record (the task's size, as configured).
  const runners = inWorkspaces(app, plain.runners, agent, own.processes.runTool);
  const runDeps = { ...plain, runners, taskSize: app.config.taskSize };
  try {
    const result = await workClaim(
      {
        runDeps: { ...runDeps, worker: opts.worker },
        log,
        stop: opts.stop,
        ...(opts.around ? { around: opts.around } : {}),
      },
      claim,
    );
    log.info(
      { commandId: claim.commandId, runId: claim.runId, exitCode: result.code },
      result.run
        ? `task worker: run recorded as ${result.run.outcome}`
        : `task worker: nothing recorded (${result.reason ?? "unknown"})`,
    );
    return result;
  } catch (err) {
    // The store failed under the run: its lease expires and the next tick recovers it.
    const reason = `task worker failed: ${asError(err).message}`;
    log.error({ commandId: claim.commandId, runId: claim.runId }, reason);
    return { code: WORKER_EXIT.failed, reason };
  } finally {
    live?.end();
    await agent.close();
  }
}

/** The run's live output, or none (said in the log) when its file cannot be opened. */
function openLiveOutput(
  opts: TaskWorkerOptions["liveOutput"],
  runId: string,
  log: App["log"],
): LiveOutputSink | undefined {
  if (!opts) return undefined;
  try {
    return new LiveOutputSink({ ...opts, runId });
  } catch (err) {
    log.warn({ err: asError(err).message }, "task worker: no live output for this run");
    return undefined;
  }
}
