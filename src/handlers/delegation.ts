import type { Context } from "aws-lambda";
import * as z from "zod";
import { InvalidInputError } from "../lib/core/errors.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";
import { delegation } from "../lib/runtime/lambda-root.js";

const eventSchema = z
  .object({ discord: z.boolean().optional(), dryRun: z.boolean().optional() })
  .partial();

export interface DelegationInvokeResult {
  ok: boolean;
  report?: string;
  note?: string;
  error?: string;
  posted?: boolean;
}

/**
 * The delegation report on demand: `osls invoke -f delegation [--data '{"discord":true,
 * "dryRun":true}']`, the counterpart of `ampa delegation [--discord] [--dry-run]`. A bad
 * event is answered with its message; any other failure fails the invocation.
 */
export const handler: (event: unknown, context: Context) => Promise<DelegationInvokeResult> =
  lambdaHandler(
    "delegation",
    async (invocation) => {
      const { event } = invocation;
      // `osls invoke -f delegation` without --data sends no event (or an empty string).
      const parsed = eventSchema.safeParse(
        event === undefined || event === null || event === "" ? {} : event,
      );
      if (!parsed.success)
        throw new InvalidInputError('Expected {"discord"?: boolean, "dryRun"?: boolean}');
      const outcome = await delegation(invocation, {
        post: parsed.data.discord ?? false,
        live: !parsed.data.dryRun,
      });
      return {
        ok: outcome.ok,
        ...(outcome.report ? { report: outcome.report.text } : {}),
        ...(outcome.live ? { note: outcome.live.note } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.posted === undefined ? {} : { posted: outcome.posted }),
      };
    },
    {
      onError: (failure) =>
        failure.error instanceof InvalidInputError
          ? { ok: false, error: failure.message }
          : undefined,
      failureLog: "delegation: invalid event",
    },
  );
