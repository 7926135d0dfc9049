import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { Config } from "../core/config.js";

/**
 * An asynchronous invocation (InvocationType Event) of a function of the stack (on AWS, or
 * serverless-offline's Lambda endpoint): Lambda queues the event and answers 202 at once.
 * The client is loaded on the first call rather than at cold start: it is a large share of
 * a function's load time (see lambda-sdk.ts for how it stays in the bundle). An event
 * given as a string is sent as it is (already JSON).
 */
export function asyncInvoker(
  config: Pick<Config, "region" | "lambdaEndpoint">,
  client?: LambdaClient,
): (functionName: string, event: unknown) => Promise<void> {
  let lambda = client;
  return async (functionName, event) => {
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
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: new TextEncoder().encode(
          typeof event === "string" ? event : JSON.stringify(event),
        ),
      }),
    );
    if (res.StatusCode !== 202) throw new Error(`Lambda invoke returned status ${res.StatusCode}`);
  };
}
