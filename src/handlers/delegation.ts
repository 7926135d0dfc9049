import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import * as z from "zod";
import { runDelegationWorkflow } from "../lib/app/worklog/workflows.js";
import { runnerStopBy } from "../lib/core/deadline.js";
import { InvalidInputError } from "../lib/core/errors.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";
import { workflowDeps } from "../lib/runtime/services.js";

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
    async ({ app, event, services, deadline }) => {
      // `osls invoke -f delegation` without --data sends no event (or an empty string).
      const parsed = eventSchema.safeParse(
        event === undefined || event === null || event === "" ? {} : event,
      );
      if (!parsed.success)
        throw new InvalidInputError('Expected {"discord"?: boolean, "dryRun"?: boolean}');
      const outcome = await runDelegationWorkflow(
        workflowDeps(app, services.notifier, runnerStopBy(deadline)),
        {
          post: parsed.data.discord ?? false,
          live: !parsed.data.dryRun,
          claim: {
            commandId: "delegation-function",
            runId: randomUUID(),
            assignee: app.config.delegateAssignee,
          },
          dispatchStore: app.store,
        },
      );
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
