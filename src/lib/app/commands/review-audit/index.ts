import { reviewAuditSettings, runReviewAudit } from "../../worklog/review-audit.js";
import { type CommandModule, worklogRunner } from "../module.js";
import { agentMetadataSchema } from "../../agents/profiles.js";
import {
  auditResult,
  itemAuditDeps,
  runnerAgent,
  withUsage,
  workflowDeps,
} from "../worklog-runner.js";
import { reviewAuditMetadataSchema } from "./metadata.js";

const type = "review-audit";

/**
 * The `review-audit` command type: audits one item in review and posts
 * `# Review Audit — <title>` itself. A wl failure while choosing the item fails the run, unposted.
 */
const runner = worklogRunner(type, (deps) => async (command, ctx) => {
  const agent = runnerAgent(command.metadata, ctx);
  if (!agent.ok) return agent.result;
  const wf = workflowDeps(deps, ctx, agent);
  const result = await auditResult("Review audit", () =>
    runReviewAudit(itemAuditDeps(deps, wf, command.id), reviewAuditSettings(command.metadata)),
  );
  return withUsage(result, agent.usage);
});

export const reviewAudit: CommandModule = {
  type,
  runtime: "function",
  runsAgent: true,
  selfAnnouncing: "unless-error",
  metadataSchema: reviewAuditMetadataSchema.and(agentMetadataSchema),
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
