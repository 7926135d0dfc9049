import type { Context } from "aws-lambda";
import { z } from "zod";
import { app } from "../lib/runtime/app.js";
import { services } from "../lib/runtime/services.js";
import { asError } from "../lib/runtime/log.js";
import { executeClaim } from "../lib/app/run.js";

const eventSchema = z.object({
  commandId: z.string().min(1),
  runId: z.string().min(1),
  startedAt: z.number(),
  leaseExpiresAt: z.number(),
  trigger: z.enum(["schedule", "run-once"]),
});

/** Invoked asynchronously by `tick` with a claimed lease: run the command and record it. */
async function handle(event: unknown, context: Context): Promise<{ status: string }> {
  const a = app();
  const { store, log: baseLog } = a;
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    // Retrying a malformed event cannot help: log it and return.
    baseLog.error({ issues: parsed.error.issues }, "runCommand: invalid event");
    return { status: "invalid-event" };
  }
  const claim = parsed.data;
  const log = baseLog.child({ requestId: context.awsRequestId });
  const command = await store.getCommand(claim.commandId);
  if (!command || command.leaseRunId !== claim.runId) {
    // A duplicate delivery, or the lease was recovered meanwhile: someone else owns this now.
    log.warn(
      { commandId: claim.commandId, runId: claim.runId },
      "runCommand: lease no longer held by this run; not running it",
    );
    return { status: "lease-not-held" };
  }
  const { runDeps } = services(a, { log, remainingMs: () => context.getRemainingTimeInMillis() });
  const run = await executeClaim(runDeps, command, claim);
  return { status: run.outcome };
}

/**
 * Asynchronous invocations are retried by Lambda when they throw, which would run the
 * command again: errors are logged here and the lease expiry recovers the run instead.
 * (serverless-offline 14 also crashes on an Event invocation that throws.)
 */
export async function handler(event: unknown, context: Context): Promise<{ status: string }> {
  try {
    return await handle(event, context);
  } catch (err) {
    app().log.error(
      { err: asError(err).message, requestId: context.awsRequestId },
      "runCommand failed",
    );
    return { status: "error" };
  }
}
