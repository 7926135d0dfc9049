import type { Context } from "aws-lambda";
import { z } from "zod";
import { app } from "../lib/runtime/app.js";
import { services } from "../lib/runtime/services.js";
import { isLookupId } from "../lib/core/command.js";
import { InvalidInputError } from "../lib/core/errors.js";
import { runOnce } from "../lib/app/run.js";

const eventSchema = z.object({ id: z.string().refine(isLookupId) });

export interface RunOnceResult {
  id: string;
  exitCode: number | null;
  outcome: string;
  output: string;
  startedAt: string;
  endedAt: string;
}

/** `osls invoke -f runOnce --data '{"id":"<id>"}'`: run one command now and return its result. */
export async function handler(event: unknown, context: Context): Promise<RunOnceResult> {
  const a = app();
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError('runOnce expects {"id": "<command id>"}');
  const { runDeps } = services(a, {
    log: a.log.child({ requestId: context.awsRequestId }),
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  const run = await runOnce(runDeps, parsed.data.id, `runOnce:${context.awsRequestId}`);
  return {
    id: run.commandId,
    exitCode: run.exitCode,
    outcome: run.outcome,
    output: run.output,
    startedAt: new Date(run.startedAt).toISOString(),
    endedAt: new Date(run.endedAt).toISOString(),
  };
}
