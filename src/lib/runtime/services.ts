import { setTimeout as sleep } from "node:timers/promises";
import type { App } from "./app.js";
import type { Logger } from "./log.js";
import { Notifier } from "../app/notify/notifier.js";
import type { RunDeps } from "../app/run.js";
import { createRunners } from "../app/runners/index.js";

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
    config: app.config,
    log,
    clock,
    sleep: (ms) => sleep(ms),
    ...(opts.remainingMs ? { remainingMs: opts.remainingMs } : {}),
    ...(opts.maxSendMs === undefined ? {} : { maxSendMs: opts.maxSendMs }),
  });
  const runners = createRunners(
    { notifier, store: app.store, clock },
    { notifier, store: app.store },
  );
  const runDeps: RunDeps = {
    store: app.store,
    runners,
    config: app.config,
    log,
    clock,
    notifier,
    ...(opts.remainingMs ? { remainingMs: opts.remainingMs } : {}),
  };
  return { notifier, runDeps };
}
