import { deliverToWebhook } from "../adapters/discord.js";
import { processes } from "../adapters/process/index.js";
import { setTimeout as sleep } from "node:timers/promises";
import { dirname, join } from "node:path";
import { findOnPath } from "../adapters/process/programs.js";
import { workerDispatch } from "../adapters/process/worker-dispatch.js";
import { ecsDispatch } from "../adapters/ecs-dispatch.js";
import type { Runtime } from "../core/command.js";
import type { Deadline } from "../core/deadline.js";
import type { Dispatch, Summarizer } from "../core/ports.js";
import type { App } from "./app.js";
import { summarizerFromEnv } from "./child-settings.js";
import { findProjectRoot } from "./config.js";
import type { Logger } from "./log.js";
import { notifierSettings, runSettings } from "./settings.js";
import { Notifier } from "../app/notify/notifier.js";
import { inlineDispatch, type RunDeps } from "../app/run.js";
import { commandRuntime, createRunners } from "../app/commands/registry.js";
import type { AgentWorkflowDeps, WorkflowDeps } from "../app/worklog/workflows.js";
import { defaultAgent } from "../app/agents/profiles.js";

/** `{ summarize }` when the operator opted in (runtime/process-settings.ts), else nothing. */
function optionalSummarizer(): { summarize?: NonNullable<WorkflowDeps["summarize"]> } {
  const summarize = summarizerFromEnv();
  return summarize ? { summarize } : {};
}

/**
 * What the Worklog workflows need, for a run that must be done by `deadline` and belongs
 * to no command: its agent is the stage's default (AMPA_DEFAULT_AGENT), as for a command
 * that names none.
 */
export function workflowDeps(app: App, notifier: Notifier, deadline: number): AgentWorkflowDeps {
  return {
    agent: defaultAgent(app.config.defaultAgent),
    cwd: app.config.commandCwd,
    wlTimeoutMs: app.config.wlTimeoutMs,
    deadline,
    clock: Date.now,
    notifier,
    ...optionalSummarizer(),
    runTool: processes.runTool,
  };
}

/** Per-invocation collaborators: the notifier and runners bound to the deadline. */
export function services(
  app: App,
  opts: {
    log?: Logger;
    /** The invocation's deadline (Lambda): the notifier and runs stop in time for it. */
    deadline?: Deadline;
    maxSendMs?: number;
    /** The task worker's: every program as its agent user (runtime/agent-identity.ts). */
    processes?: typeof processes;
    summarize?: Summarizer;
  } = {},
): { notifier: Notifier; runDeps: RunDeps } {
  const log = opts.log ?? app.log;
  const clock = Date.now;
  const notifier = new Notifier({
    store: app.store,
    webhook: app.webhook,
    deliver: deliverToWebhook,
    config: notifierSettings(app.config),
    log,
    clock,
    sleep: (ms) => sleep(ms),
    buttonKey: app.discordButtonKey,
    ...(opts.deadline ? { deadline: opts.deadline } : {}),
    ...(opts.maxSendMs === undefined ? {} : { maxSendMs: opts.maxSendMs }),
  });
  const summarize = opts.summarize ? { summarize: opts.summarize } : optionalSummarizer();
  const runners = createRunners({
    ...(opts.processes ?? processes),
    heartbeat: { notifier, store: app.store, clock },
    worklog: { notifier, store: app.store, dispatches: app.store, ...summarize },
    prReports: app.store,
  });
  const runDeps: RunDeps = {
    store: app.store,
    runners,
    config: runSettings(app.config),
    log,
    clock,
    notifier,
    ...summarize,
    ...(opts.deadline ? { deadline: opts.deadline } : {}),
  };
  return { notifier, runDeps };
}

/** Sends each run to its runtime's target (app/commands/registry.ts: commandRuntime). */
export function dispatchByRuntime(targets: Record<Runtime, Dispatch>): Dispatch {
  return (command, claim) => targets[commandRuntime(command)](command, claim);
}

/** The ECS Fargate RunTask dispatch of a `task` run on AWS (adapters/ecs-dispatch.ts). */
export function ecsTaskDispatch(app: App): Dispatch {
  return ecsDispatch(app.config, { log: app.log });
}

/** `.ampa/workers`, beside the local store: each local worker's log and record. */
export function workersDir(storeDir: string): string {
  return join(dirname(storeDir), "workers");
}

/**
 * A `task` run off AWS: a detached worker process that reaches the same store (its
 * endpoint and table passed on), or with AMPA_TASK_CONTAINER=1 and docker or podman on
 * PATH the worker image on the host network.
 */
export function localTaskDispatch(app: App, env: NodeJS.ProcessEnv = process.env): Dispatch {
  const { config } = app;
  const program = config.taskContainer
    ? (findOnPath("docker", env.PATH) ?? findOnPath("podman", env.PATH))
    : undefined;
  if (config.taskContainer && !program)
    app.log.warn(
      "AMPA_TASK_CONTAINER is on but neither docker nor podman is on PATH: running task workers as processes",
    );
  return workerDispatch({
    root: findProjectRoot(process.cwd()),
    workersDir: workersDir(config.storeDir),
    env,
    overrides: {
      ...(app.endpoint ? { AMPA_DYNAMODB_ENDPOINT: app.endpoint } : {}),
      ...(app.storeKey ? { AMPA_DYNAMODB_KEY: app.storeKey } : {}),
      AMPA_TABLE_NAME: config.tableName,
      AWS_REGION: config.region,
      AMPA_COMMAND_CWD: config.commandCwd,
      // The worker's log is a file.
      AMPA_LOG_FORMAT: "json",
    },
    ...(program ? { container: { program, image: config.taskImage } } : {}),
  });
}

/**
 * The tick's dispatch: `function` runs go to runCommand (or inline), `task` runs to ECS on
 * AWS and to a local worker elsewhere; with AMPA_DISPATCH=inline (tests, `osls invoke
 * local` by choice) every run is inline.
 */
export function runDispatch(
  app: App,
  runDeps: RunDeps,
  functionDispatch: () => Dispatch,
): Dispatch {
  if (app.config.dispatch === "inline") return inlineDispatch(runDeps);
  return dispatchByRuntime({
    function: functionDispatch(),
    task: app.config.onLambda ? ecsTaskDispatch(app) : localTaskDispatch(app),
  });
}
