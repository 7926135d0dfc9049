import type { LambdaClient } from "@aws-sdk/client-lambda";
import { encodeClaim } from "../core/claim-payload.js";
import type { Config } from "../core/config.js";
import type { Dispatch } from "../core/ports.js";
import { asyncInvoker } from "./lambda-event.js";

/** A run's claim dispatched to runCommand by an asynchronous invocation. */
export function lambdaDispatch(
  config: Pick<Config, "region" | "lambdaEndpoint" | "runCommandFunction">,
  client?: LambdaClient,
): Dispatch {
  const invoke = asyncInvoker(config, client);
  return (_command, claim) => invoke(config.runCommandFunction, encodeClaim(claim));
}
