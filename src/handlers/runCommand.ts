import type { Context } from "aws-lambda";
import { z } from "zod";
import { app } from "../lib/app.js";
import { executeClaim } from "../lib/run.js";

const eventSchema = z.object({
  commandId: z.string().min(1),
  runId: z.string().min(1),
  startedAt: z.number(),
  leaseExpiresAt: z.number(),
  trigger: z.enum(["schedule", "run-once"]),
});

/** Invoked asynchronously by `tick` with a claimed lease: run the command and record it. */
export async function handler(event: unknown, context: Context): Promise<{ status: string }> {
  const { config, store, runners, log: baseLog } = app();
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    // Retrying a malformed event cannot help: log it and return.
    baseLog.error({ issues: parsed.error.issues }, "runCommand: invalid event");
    return { status: "invalid-event" };
  }
  const claim = parsed.data;
  const log = baseLog.child({
    commandId: claim.commandId,
    runId: claim.runId,
    requestId: context.awsRequestId,
  });
  const command = await store.getCommand(claim.commandId);
  if (!command || command.leaseRunId !== claim.runId) {
    // A duplicate delivery, or the lease was recovered meanwhile: someone else owns this now.
    log.warn("runCommand: lease no longer held by this run; not running it");
    return { status: "lease-not-held" };
  }
  const remainingMs = () => context.getRemainingTimeInMillis();
  const run = await executeClaim(
    { store, runners, config, log, clock: Date.now, remainingMs },
    command,
    claim,
  );
  return { status: run.outcome };
}
