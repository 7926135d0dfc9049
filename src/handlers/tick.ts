import { setTimeout as sleep } from "node:timers/promises";
import type { Context, ScheduledEvent } from "aws-lambda";
import { lambdaDispatch } from "../lib/adapters/lambda-dispatch.js";
import { probeLlm } from "../lib/adapters/llm-probe.js";
import { readWlStatus } from "../lib/adapters/process/programs.js";
import { announceStartup } from "../lib/app/startup.js";
import { type Dispatch, logicalTickTime, type PassResult, runTick } from "../lib/app/tick.js";
import type { Config } from "../lib/runtime/config.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";
import { asError } from "../lib/runtime/log.js";
import { runDispatch } from "../lib/runtime/services.js";

let dispatchToLambda: Dispatch | undefined;
let startupChecked = false;

/** The Lambda client behind the dispatch is created once per container. */
function containerLambdaDispatch(config: Config): Dispatch {
  dispatchToLambda ??= lambdaDispatch(config);
  return dispatchToLambda;
}

/** EventBridge `rate(1 minute)`: pick what runs next and hand it to runCommand. */
export const handler: (
  event: Partial<ScheduledEvent>,
  context: Context,
) => Promise<{ passes: PassResult[] }> = lambdaHandler(
  "tick",
  async ({ app, log, services, remainingMs, requestId, event }) => {
    const { config, store } = app;
    const clock = Date.now;
    const { notifier, runDeps } = services;
    if (!startupChecked && config.buildId) {
      startupChecked = true;
      await announceStartup({ store, notifier, clock, log }, config.buildId, () =>
        readWlStatus(),
      ).catch((err) =>
        log.error({ err: asError(err).message }, "could not announce the scheduler start"),
      );
    }
    const dispatch = runDispatch(app, runDeps, () => containerLambdaDispatch(config));
    const passes = await runTick(
      {
        store,
        config,
        log,
        clock,
        dispatch,
        probeLlm: () => probeLlm(config.llmHealthcheckUrl, config.llmProbeTimeoutMs, log),
        sleep: (ms) => sleep(ms),
        owner: `tick:${requestId}`,
        remainingMs,
      },
      logicalTickTime(event.time, clock(), config.tickIntervalMs),
    );
    return { passes };
  },
  { requestIdKey: "tickId" },
);
