import type { LambdaClient } from "@aws-sdk/client-lambda";
import { encodeClaim } from "../core/claim-payload.js";
import type { Config } from "../core/config.js";
import type { Dispatch } from "../core/ports.js";

/**
 * Asynchronous invocation of runCommand (on AWS, or serverless-offline's Lambda endpoint).
 * The Lambda client is loaded on the first dispatch rather than at cold start: it is a
 * large share of tick's load time (see lambda-sdk.ts for how it stays in the bundle).
 */
export function lambdaDispatch(
  config: Pick<Config, "region" | "lambdaEndpoint" | "runCommandFunction">,
  client?: LambdaClient,
): Dispatch {
  let lambda = client;
  return async (_command, claim) => {
    const payload = encodeClaim(claim);
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
        Payload: new TextEncoder().encode(payload),
      }),
    );
    if (res.StatusCode !== 202) throw new Error(`Lambda invoke returned status ${res.StatusCode}`);
  };
}
