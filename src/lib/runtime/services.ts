import { deliverToWebhook } from "../adapters/discord.js";
import { processes } from "../adapters/process/index.js";
import { opencodeSummarizer } from "../adapters/process/programs.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { App } from "./app.js";
import type { Logger } from "./log.js";
import { Notifier } from "../app/notify/notifier.js";
import type { RunDeps } from "../app/run.js";
import { createRunners } from "../app/runners/index.js";
import type { WorkflowDeps } from "../app/worklog/workflows.js";

/** What the Worklog workflows need, for a run that must be done by `deadline`. */
export function workflowDeps(app: App, notifier: Notifier, deadline: number): WorkflowDeps {
  return {
    cwd: app.config.commandCwd,
    wlTimeoutMs: app.config.wlTimeoutMs,
    deadline,
    clock: Date.now,
    notifier,
    summarize: opencodeSummarizer(),
    runTool: processes.runTool,
  };
}

/** Per-invocation collaborators: the notifier and runners bound to the time left. */
export function services(
  app: App,
  opts: { log?: Logger; remainingMs?: () => number; maxSendMs?: number } = {},
): { notifier: Notifier; runDeps: RunDeps } {
  const log = opts.log ?? app.log;
  const clock = Date.now;
  const notifier = new Notifier({
    store: app.store,
    webhook: app.webhook,
    deliver: deliverToWebhook,
    config: app.config,
    log,
    clock,
    sleep: (ms) => sleep(ms),
    ...(opts.remainingMs ? { remainingMs: opts.remainingMs } : {}),
    ...(opts.maxSendMs === undefined ? {} : { maxSendMs: opts.maxSendMs }),
  });
  const summarize = opencodeSummarizer();
  const runners = createRunners({
    ...processes,
    heartbeat: { notifier, store: app.store, clock },
    worklog: { notifier, store: app.store, dispatches: app.store, summarize },
    prReports: app.store,
  });
  const runDeps: RunDeps = {
    store: app.store,
    runners,
    config: app.config,
    log,
    clock,
    notifier,
    summarize,
    ...(opts.remainingMs ? { remainingMs: opts.remainingMs } : {}),
  };
  return { notifier, runDeps };
}
