import { setTimeout as sleep } from "node:timers/promises";
import type { Context, ScheduledEvent } from "aws-lambda";
import { app } from "../lib/runtime/app.js";
import { services } from "../lib/runtime/services.js";
import type { Config } from "../lib/runtime/config.js";
import { lambdaDispatch } from "../lib/adapters/lambda-dispatch.js";
import { inlineDispatch } from "../lib/app/run.js";
import { probeLlm } from "../lib/adapters/llm-probe.js";
import { asError } from "../lib/runtime/log.js";
import { announceStartup } from "../lib/app/startup.js";
import { readWlStatus } from "../lib/adapters/process/programs.js";
import { type Dispatch, logicalTickTime, type PassResult, runTick } from "../lib/app/tick.js";

let dispatchToLambda: Dispatch | undefined;
let startupChecked = false;

/** The Lambda client behind the dispatch is created once per container. */
function containerLambdaDispatch(config: Config): Dispatch {
  dispatchToLambda ??= lambdaDispatch(config);
  return dispatchToLambda;
}

/** EventBridge `rate(1 minute)`: pick what runs next and hand it to runCommand. */
export async function handler(
  event: Partial<ScheduledEvent>,
  context: Context,
): Promise<{ passes: PassResult[] }> {
  const a = app();
  const { config, store } = a;
  const log = a.log.child({ tickId: context.awsRequestId });
  const remainingMs = () => context.getRemainingTimeInMillis();
  const clock = Date.now;
  const { notifier, runDeps } = services(a, { log, remainingMs });
  const buildId = process.env.AMPA_BUILD_ID;
  if (!startupChecked && buildId) {
    startupChecked = true;
    await announceStartup({ store, notifier, clock, log }, buildId, () => readWlStatus()).catch(
      (err) => log.error({ err: asError(err).message }, "could not announce the scheduler start"),
    );
  }
  const dispatch =
    config.dispatch === "lambda" ? containerLambdaDispatch(config) : inlineDispatch(runDeps);
  const passes = await runTick(
    {
      store,
      config,
      log,
      clock,
      dispatch,
      probeLlm: () => probeLlm(config.llmHealthcheckUrl, config.llmProbeTimeoutMs, log),
      sleep: (ms) => sleep(ms),
      owner: `tick:${context.awsRequestId}`,
      remainingMs,
    },
    logicalTickTime(event.time, clock(), config.tickIntervalMs),
  );
  return { passes };
}
