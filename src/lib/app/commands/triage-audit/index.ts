import { auditSettings, runTriageAudit } from "../../worklog/audit.js";
import { type CommandModule, worklogRunner } from "../module.js";
import { agentMetadataSchema } from "../../agents/profiles.js";
import {
  auditResult,
  itemAuditDeps,
  runnerAgent,
  withUsage,
  workflowDeps,
} from "../worklog-runner.js";

const type = "triage-audit";

/**
 * The `triage-audit` command type: audits one work item and posts `Triage Audit — <title>`
 * (and `Audit Completed — <title>`) itself, then runs live delegation unless
 * `metadata.audit_only`. A wl failure while choosing the item fails the run, unposted.
 */
const runner = worklogRunner(type, (deps) => async (command, ctx) => {
  const agent = runnerAgent(command.metadata, ctx);
  if (!agent.ok) return agent.result;
  const wf = workflowDeps(deps, ctx, agent);
  const result = await auditResult("Triage audit", () =>
    runTriageAudit(
      {
        ...itemAuditDeps(deps, wf, command.id),
        claim: {
          commandId: ctx.commandId,
          runId: ctx.runId,
          assignee: ctx.config.delegateAssignee,
        },
        ...(deps.dispatches ? { dispatchStore: deps.dispatches } : {}),
        gh: () => ({
          cwd: wf.cwd,
          ...(wf.extraEnv ? { extraEnv: wf.extraEnv } : {}),
          timeoutMs: Math.max(Math.min(wf.wlTimeoutMs, ctx.deadline - ctx.clock()), 1000),
        }),
      },
      auditSettings(command.metadata, { verifyPrWithGh: ctx.config.verifyPrWithGh }),
    ),
  );
  return withUsage(result, agent.usage);
});

/** Agent sessions need the workspace and run long: a task by default. */
export const triageAudit: CommandModule = {
  type,
  runtime: "task",
  runsAgent: true,
  selfAnnouncing: "unless-error",
  metadataSchema: agentMetadataSchema,
  runner,
  statusLabel: "triage",
};
