import { reviewAuditSettings, runReviewAudit } from "../../worklog/review-audit.js";
import { WorklogError } from "../../worklog/wl.js";
import { agentOptions, worklogFor } from "../../worklog/workflows.js";
import { type CommandModule, worklogRunner } from "../module.js";
import { workflowDeps, worklogResult } from "../worklog-runner.js";
import { reviewAuditMetadataSchema } from "./metadata.js";

const type = "review-audit";

/**
 * The `review-audit` command type: audits one item in review and posts
 * `# Review Audit — <title>` itself. A wl failure while choosing the item fails the run, unposted.
 */
const runner = worklogRunner(type, (deps) => async (command, ctx) => {
  const wf = workflowDeps(deps, ctx);
  try {
    const outcome = await runReviewAudit(
      {
        commandId: command.id,
        wl: worklogFor(wf),
        store: deps.store,
        runTool: deps.runTool,
        ...(deps.notifier ? { notifier: deps.notifier } : {}),
        clock: ctx.clock,
        agent: agentOptions(wf),
      },
      reviewAuditSettings(command.metadata),
    );
    return worklogResult(outcome.ok, outcome.output);
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    return worklogResult(false, `Review audit failed: ${err.message}`);
  }
});

export const reviewAudit: CommandModule = {
  type,
  runtime: "function",
  selfAnnouncing: "unless-error",
  metadataSchema: reviewAuditMetadataSchema,
  runner,
  statusLabel: "review",
  upstreamTypes: {
    audit: (_upstream, metadata) => ({
      type,
      metadata,
      note: 'upstream type "audit" (its audit poller of items in review) imported as review-audit',
    }),
  },
};
