import type { LambdaClient } from "@aws-sdk/client-lambda";
import type * as z from "zod";
import type { Config } from "../core/config.js";
import type { Dispatch } from "../core/ports.js";
import { runClaimSchema } from "../core/run-record.js";

/** What `tick` sends to `runCommand`: a claim in the one schema both ends check. */
export type RunCommandEvent = z.infer<typeof runClaimSchema>;

/**
 * The event for a claim: exactly the schema's fields, checked before it leaves, so that
 * runCommand never refuses what tick sent as an invalid event.
 */
export function runCommandEvent(claim: RunCommandEvent): RunCommandEvent {
  const { commandId, runId, startedAt, leaseExpiresAt, trigger } = claim;
  return runClaimSchema.parse({ commandId, runId, startedAt, leaseExpiresAt, trigger });
}

/**
 * Asynchronous invocation of runCommand (on AWS, or serverless-offline's Lambda endpoint).
 * The Lambda client is loaded on the first dispatch rather than at cold start: it is a
 * large share of tick's load time (see lambda-sdk.ts for how it stays in the bundle).
 */
export function lambdaDispatch(config: Config, client?: LambdaClient): Dispatch {
  let lambda = client;
  return async (_command, claim) => {
    const payload = runCommandEvent(claim);
    const sdk = await import("./lambda-sdk.js");
    lambda ??= new sdk.LambdaClient({
      region: config.region,
      ...(config.lambdaEndpoint
        ? {
            endpoint: config.lambdaEndpoint,
            credentials: { accessKeyId: "local", secretAccessKey: "local" },
          }
        : {}),
    });
    const res = await lambda.send(
      new sdk.InvokeCommand({
        FunctionName: config.runCommandFunction,
        InvocationType: "Event",
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    if (res.StatusCode !== 202) throw new Error(`Lambda invoke returned status ${res.StatusCode}`);
  };
}
