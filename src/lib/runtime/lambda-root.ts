import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Context } from "aws-lambda";
import { lambdaDispatch } from "../adapters/lambda-dispatch.js";
import { probeLlm } from "../adapters/llm-probe.js";
import { readWlStatus } from "../adapters/process/programs.js";
import { processes } from "../adapters/process/index.js";
import { LiveOutputSink, withLiveOutput } from "../adapters/process/live-output.js";
import { checkLease } from "../app/lease-check.js";
import { executeClaim } from "../app/run.js";
import { sendHeartbeat } from "../app/commands/heartbeat/send.js";
import { type DelegationOutcome, runDelegationWorkflow } from "../app/worklog/workflows.js";
import { announceStartup } from "../app/startup.js";
import { type Dispatch, logicalTickTime, type PassResult, runTick } from "../app/tick.js";
import type { RunClaim } from "../core/command.js";
import { type Deadline, earlyDeadline, runnerStopBy } from "../core/deadline.js";
import { type App, createApp } from "./app.js";
import { asError, type Logger } from "./log.js";
import { metricsText } from "./metrics-page.js";
import { metricsPublic } from "./process-settings.js";
import { runDispatch, services as invocationServices, workflowDeps } from "./services.js";
import { tickSettings } from "./settings.js";

/**
 * The Lambda functions' composition root: the container's App (built on a cold start,
 * reused while warm), and per invocation its logger, deadline, services and the use
 * cases the handlers call. A handler parses its event and calls one of these.
 */

/** The notifier and runners of one invocation. */
export type Services = ReturnType<typeof invocationServices>;

/** What one invocation of a handler gets. */
export interface Invocation<E> {
  app: App;
  /** The container's logger with this invocation's request id. */
  log: Logger;
  /** The notifier and runners bound to this invocation's logger and deadline (built on use). */
  readonly services: Services;
  /** Raised before Lambda stops the invocation (core/deadline.ts); none without a context. */
  deadline: Deadline | undefined;
  /** Lambda's request id (undefined when called without a context, as HTTP tests do). */
  requestId: string | undefined;
  event: E;
  context: Context | undefined;
}

let cached: App | undefined;

/** The container's App, created on first use (cold start) and reused while warm. */
export function containerApp(): App {
  cached ??= createApp();
  return cached;
}

/** The request-scoped parts of an invocation; the App is created here on a cold start. */
export function invocation<E>(
  event: E,
  context: Context | undefined,
  requestIdKey: string,
): Invocation<E> {
  const app = containerApp();
  const requestId = context?.awsRequestId;
  const log = requestId === undefined ? app.log : app.log.child({ [requestIdKey]: requestId });
  const deadline = context
    ? earlyDeadline(Date.now(), context.getRemainingTimeInMillis())
    : undefined;
  let built: Services | undefined;
  return {
    app,
    log,
    deadline,
    requestId,
    event,
    context,
    get services() {
      built ??= invocationServices(app, { log, ...(deadline ? { deadline } : {}) });
      return built;
    },
  };
}

let dispatchToLambda: Dispatch | undefined;
let startupChecked = false;

/** The tick: announce a new build once per container, then one scheduling tick. */
export async function tick(inv: Invocation<unknown>, eventTime?: string): Promise<PassResult[]> {
  const { app, log, services, requestId, deadline } = inv;
  const { config, store } = app;
  const clock = Date.now;
  if (!startupChecked && config.buildId) {
    startupChecked = true;
    await announceStartup({ store, notifier: services.notifier, clock, log }, config.buildId, () =>
      readWlStatus(),
    ).catch((err) =>
      log.error({ err: asError(err).message }, "could not announce the scheduler start"),
    );
  }
  // The Lambda client behind the dispatch is created once per container.
  const dispatch = runDispatch(app, services.runDeps, () => {
    dispatchToLambda ??= lambdaDispatch(config);
    return dispatchToLambda;
  });
  return runTick(
    {
      store,
      config: tickSettings(config),
      log,
      clock,
      dispatch,
      probeLlm: () => probeLlm(config.llmHealthcheckUrl, config.llmProbeTimeoutMs, log),
      sleep: (ms) => sleep(ms),
      owner: `tick:${requestId}`,
      ...(deadline ? { deadline } : {}),
    },
    logicalTickTime(eventTime, clock(), config.tickIntervalMs),
  );
}

/**
 * A dispatched claim, run when its lease is still this claim's: the run's outcome,
 * `lease-not-held`, or `not-run` (a redelivery, or the lease lost: logged).
 */
export async function runClaim(inv: Invocation<unknown>, claim: RunClaim): Promise<string> {
  const { app, log, services, requestId } = inv;
  // A started redelivery is left to executeClaim's start mark (status `not-run`).
  const { command } = await checkLease(app.store, claim);
  if (!command) {
    // A duplicate delivery, or the lease was recovered meanwhile: someone else owns it now.
    log.warn(
      { commandId: claim.commandId, runId: claim.runId },
      "runCommand: lease no longer held by this run; not running it",
    );
    return "lease-not-held";
  }
  // On AWS the program's output also goes to the function's log as it runs (`ampa logs`).
  const live = app.config.onAws
    ? new LiveOutputSink({ runId: claim.runId, stdout: (text) => process.stdout.write(text) })
    : undefined;
  const runDeps = live
    ? invocationServices(app, {
        log,
        ...(inv.deadline ? { deadline: inv.deadline } : {}),
        processes: withLiveOutput(processes, live),
      }).runDeps
    : services.runDeps;
  try {
    const run = await executeClaim(
      { ...runDeps, worker: `lambda:${requestId ?? "unknown"}` },
      command,
      claim,
    );
    return run?.outcome ?? "not-run";
  } finally {
    live?.end();
  }
}

/** One heartbeat now, whatever the schedule (the heartbeat function). */
export function heartbeat(inv: Invocation<unknown>): ReturnType<typeof sendHeartbeat> {
  const { app, services } = inv;
  return sendHeartbeat(
    { notifier: services.notifier, store: app.store, clock: Date.now },
    { force: true },
  );
}

/** The delegation report on demand (the delegation function), posted and acted on as asked. */
export function delegation(
  inv: Invocation<unknown>,
  opts: { post: boolean; live: boolean },
): Promise<DelegationOutcome> {
  const { app, services, deadline } = inv;
  return runDelegationWorkflow(workflowDeps(app, services.notifier, runnerStopBy(deadline)), {
    ...opts,
    claim: {
      commandId: "delegation-function",
      runId: randomUUID(),
      assignee: app.config.delegateAssignee,
    },
    dispatchStore: app.store,
    counters: app.store,
  });
}

/**
 * Whether /metrics may answer: `open` (no token configured off Lambda, or the stage is
 * deployed with metricsPublic: true), `ok` (the bearer token matches), `unauthorized`,
 * or, failing closed, `unavailable` (the token cannot be read) and `not-configured` (on
 * Lambda without a token nor metricsPublic).
 */
export async function metricsAccess(
  inv: Invocation<unknown>,
  presents: (token: string) => boolean,
): Promise<"open" | "ok" | "unauthorized" | "unavailable" | "not-configured"> {
  const { metricsToken, log, config } = inv.app;
  let token: string | undefined;
  try {
    token = await metricsToken();
  } catch (err) {
    // Fail closed: without knowing the token, nothing is shown.
    log.error({ err: asError(err).message }, "metrics: could not read the metrics token");
    return "unavailable";
  }
  if (token !== undefined) return presents(token) ? "ok" : "unauthorized";
  // Fail closed on AWS: a missing parameter must not publish the scheduler's state.
  if (config.onLambda && !metricsPublic()) {
    log.error(
      { param: config.metricsTokenParam },
      "metrics: no metrics token and the stage is not deployed with metricsPublic: true; refusing",
    );
    return "not-configured";
  }
  return "open";
}

/** The Prometheus text of the state table now. */
export function metricsPage(
  inv: Invocation<unknown>,
): Promise<{ contentType: string; body: string }> {
  return metricsText(inv.app.store, inv.app.log, Date.now());
}
