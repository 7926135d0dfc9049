import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { RunClaim } from "../core/command.js";
import type { Config } from "../core/config.js";
import type { Dispatch } from "../core/ports.js";

/** What `tick` sends to `runCommand`. */
export type RunCommandEvent = RunClaim;

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
    const payload: RunCommandEvent = claim;
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
