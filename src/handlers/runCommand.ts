import type { Context } from "aws-lambda";
import { executeClaim } from "../lib/app/run.js";
import { checkLease } from "../lib/app/lease-check.js";
import { parseClaim } from "../lib/core/claim-payload.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";

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
    async ({ app, log, event, requestId, services }) => {
      const parsed = parseClaim(event);
      if (!parsed.ok) {
        // Retrying a malformed event cannot help: log it and return.
        app.log.error({ issues: parsed.issues }, "runCommand: invalid event");
        return { status: "invalid-event" };
      }
      const { claim } = parsed;
      // A started redelivery is left to executeClaim's start mark (status `not-run`).
      const { command } = await checkLease(app.store, claim);
      if (!command) {
        // A duplicate delivery, or the lease was recovered meanwhile: someone else owns it now.
        log.warn(
          { commandId: claim.commandId, runId: claim.runId },
          "runCommand: lease no longer held by this run; not running it",
        );
        return { status: "lease-not-held" };
      }
      const run = await executeClaim(
        { ...services.runDeps, worker: `lambda:${requestId ?? "unknown"}` },
        command,
        claim,
      );
      // Nothing ran (a redelivery) or nothing was recorded (the lease was lost): logged.
      return { status: run?.outcome ?? "not-run" };
    },
    { onError: () => ({ status: "error" }) },
  );
