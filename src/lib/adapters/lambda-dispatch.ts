import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
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

/** Asynchronous invocation of runCommand (on AWS, or serverless-offline's Lambda endpoint). */
export function lambdaDispatch(config: Config, client?: LambdaClient): Dispatch {
  const lambda =
    client ??
    new LambdaClient({
      region: config.region,
      ...(config.lambdaEndpoint
        ? {
            endpoint: config.lambdaEndpoint,
            credentials: { accessKeyId: "local", secretAccessKey: "local" },
          }
        : {}),
    });
  return async (_command, claim) => {
    const payload = runCommandEvent(claim);
    const res = await lambda.send(
      new InvokeCommand({
        FunctionName: config.runCommandFunction,
        InvocationType: "Event",
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    if (res.StatusCode !== 202) throw new Error(`Lambda invoke returned status ${res.StatusCode}`);
  };
}
