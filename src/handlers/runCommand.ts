import type { Context } from "aws-lambda";
import { parseClaim } from "../lib/core/claim-payload.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";
import { runClaim } from "../lib/runtime/lambda-root.js";

/**
 * Invoked asynchronously by `tick` with a claimed lease: run the command and record it.
 *
 * Asynchronous invocations are retried by Lambda when they throw, which would run the
 * command again: this handler never throws. Errors are logged and the lease expiry
 * recovers the run instead. (serverless-offline 14 also crashes on an Event invocation
 * that throws.) The one exception: an invalid setting on Lambda fails the cold start
 * before anything runs, so a retry fails the same way and runs nothing.
 */
export const handler: (event: unknown, context: Context) => Promise<{ status: string }> =
  lambdaHandler(
    "runCommand",
    async (invocation) => {
      const parsed = parseClaim(invocation.event);
      if (!parsed.ok) {
        // Retrying a malformed event cannot help: log it and return.
        invocation.app.log.error({ issues: parsed.issues }, "runCommand: invalid event");
        return { status: "invalid-event" };
      }
      // Nothing ran (a redelivery) or nothing was recorded (the lease was lost): logged.
      return { status: await runClaim(invocation, parsed.claim) };
    },
    { onError: () => ({ status: "error" }) },
  );
