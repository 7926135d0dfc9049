import type { Context } from "aws-lambda";
import * as z from "zod";
import { runOnce } from "../lib/app/run.js";
import { isLookupId } from "../lib/core/command.js";
import { InvalidInputError } from "../lib/core/errors.js";
import { parseRunJob } from "../lib/app/discord/follow-up.js";
import { runForDiscord } from "../lib/runtime/discord.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";

const eventSchema = z.object({
  id: z.string().refine(isLookupId),
  discord: z.unknown().optional(),
});

export interface RunOnceResult {
  id: string;
  exitCode: number | null;
  outcome: string;
  output: string;
  startedAt: string;
  endedAt: string;
  /** For `ampa --stage S run-once --json`, which prints the run as it does locally. */
  runId: string;
  durationMs: number;
  outputTruncatedBytes: number;
  late: boolean;
}

/**
 * `osls invoke -f runOnce --data '{"id":"<id>"}'`: run one command now and return its
 * result. A bad event or an unknown id fails the invocation with the error's message.
 */
export const handler: (event: unknown, context: Context) => Promise<RunOnceResult> = lambdaHandler(
  "runOnce",
  async (inv) => {
    const { event, services, requestId } = inv;
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidInputError('runOnce expects {"id": "<command id>"}');
    // `/ampa run` from Discord (an asynchronous invocation): the run edits its answer.
    const discord =
      parsed.data.discord === undefined ? undefined : parseRunJob(parsed.data.discord);
    if (parsed.data.discord !== undefined && discord?.id !== parsed.data.id)
      throw new InvalidInputError("runOnce: not a Discord run of this command");
    const run = discord
      ? await runForDiscord(inv, discord)
      : await runOnce(services.runDeps, parsed.data.id, `runOnce:${requestId}`);
    return {
      id: run.commandId,
      exitCode: run.exitCode,
      outcome: run.outcome,
      output: run.output,
      startedAt: new Date(run.startedAt).toISOString(),
      endedAt: new Date(run.endedAt).toISOString(),
      runId: run.runId,
      durationMs: run.durationMs,
      outputTruncatedBytes: run.outputTruncatedBytes,
      late: run.late ?? false,
    };
  },
);
