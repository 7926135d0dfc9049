import type { LambdaClient } from "@aws-sdk/client-lambda";
import * as z from "zod";
import { RUN_OUTCOMES } from "../core/command.js";

/**
 * A synchronous invocation of a stage's deployed runOnce function (src/handlers/runOnce.ts):
 * how `ampa --stage S run-once` and the dashboard's Run once on a deployed table run a
 * command where it is deployed, never on the operator's machine.
 */

/** Where the deployed function is: `ampa-<stage>-runOnce` in the stage's region. */
export interface RunOnceFunction {
  name: string;
  region: string;
  /** An endpoint speaking the Lambda API (serverless-offline's, a test's): AWS when unset. */
  endpoint?: string | undefined;
}

/** The handler's answer. Fields after `endedAt` came later: an older deploy lacks them. */
export const runOnceResponseSchema = z.object({
  id: z.string(),
  exitCode: z.number().int().nullable(),
  outcome: z.enum(RUN_OUTCOMES),
  output: z.string(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  runId: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
  outputTruncatedBytes: z.number().int().nonnegative().optional(),
  late: z.boolean().optional(),
});
export type RunOnceResponse = z.infer<typeof runOnceResponseSchema>;

/** The function ran and failed (it threw, or Lambda stopped it): its error, as Lambda reports it. */
export class FunctionFailedError extends Error {
  override readonly name = "FunctionFailedError";
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    /** Lambda stopped it at its timeout (15 minutes for runOnce). */
    readonly timedOut: boolean,
  ) {
    super(`${errorType}: ${errorMessage}`);
  }
}

/** A synchronous invocation can last the function's whole 15 minutes; wait a little more. */
const INVOKE_TIMEOUT_MS = 16 * 60_000;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function failure(payload: string): FunctionFailedError {
  const parsed = parseJson(payload);
  // Not a JSON object: the payload itself is the message.
  const body = (parsed && typeof parsed === "object" ? parsed : {}) as {
    errorType?: unknown;
    errorMessage?: unknown;
  };
  const errorType = typeof body.errorType === "string" ? body.errorType : "Unhandled";
  const message = typeof body.errorMessage === "string" ? body.errorMessage : payload;
  const timedOut = errorType === "Sandbox.Timedout" || /Task timed out after/.test(message);
  return new FunctionFailedError(errorType, message, timedOut);
}

/**
 * Invokes the function with `{"id": id}` and waits for the run's result. Never retried: a
 * second attempt would run the command again. SDK errors (no such function, access denied,
 * network) are thrown as the SDK throws them.
 */
export async function invokeRunOnce(
  fn: RunOnceFunction,
  id: string,
  client?: LambdaClient,
): Promise<RunOnceResponse> {
  const sdk = await import("./lambda-sdk.js");
  const lambda =
    client ??
    new sdk.LambdaClient({
      region: fn.region,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: INVOKE_TIMEOUT_MS },
      ...(fn.endpoint
        ? { endpoint: fn.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
        : {}),
    });
  try {
    const res = await lambda.send(
      new sdk.InvokeCommand({
        FunctionName: fn.name,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify({ id })),
      }),
    );
    const payload = new TextDecoder().decode(res.Payload ?? new Uint8Array());
    if (res.FunctionError) throw failure(payload);
    const parsed = runOnceResponseSchema.safeParse(parseJson(payload));
    if (!parsed.success)
      throw new FunctionFailedError("InvalidResponse", "not a runOnce result", false);
    return parsed.data;
  } finally {
    if (!client) lambda.destroy();
  }
}
