import type { Context } from "aws-lambda";
import { z } from "zod";
import { app } from "../lib/runtime/app.js";
import { services, workflowDeps } from "../lib/runtime/services.js";
import { runDelegationWorkflow } from "../lib/app/worklog/workflows.js";

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
 * "dryRun":true}']`, the counterpart of `ampa delegation [--discord] [--dry-run]`.
 */
export async function handler(event: unknown, context: Context): Promise<DelegationInvokeResult> {
  // `osls invoke -f delegation` without --data sends no event (or an empty string).
  const parsed = eventSchema.safeParse(
    event === undefined || event === null || event === "" ? {} : event,
  );
  if (!parsed.success) {
    return { ok: false, error: 'Expected {"discord"?: boolean, "dryRun"?: boolean}' };
  }
  const a = app();
  const log = a.log.child({ requestId: context.awsRequestId });
  const remainingMs = () => context.getRemainingTimeInMillis();
  const { notifier } = services(a, { log, remainingMs });
  const outcome = await runDelegationWorkflow(
    workflowDeps(a, notifier, Date.now() + remainingMs() - 10_000),
    { post: parsed.data.discord ?? false, live: !parsed.data.dryRun, auditOnly: false },
  );
  return {
    ok: outcome.ok,
    ...(outcome.report ? { report: outcome.report.text } : {}),
    ...(outcome.live ? { note: outcome.live.note } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(outcome.posted === undefined ? {} : { posted: outcome.posted }),
  };
}
