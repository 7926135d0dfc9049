import type { AuditStore, Notify, Summarizer, ToolRunner } from "../../core/ports.js";
import { auditSettings, runTriageAudit } from "../worklog/audit.js";
import { WorklogError } from "../worklog/wl.js";
import {
  agentOptions,
  runDelegationWorkflow,
  type WorkflowDeps,
  worklogFor,
} from "../worklog/workflows.js";
import type { Runner, RunnerContext } from "./index.js";

export interface WorklogRunnerDeps {
  notifier?: Notify;
  store: AuditStore;
  summarize?: Summarizer;
  /** Runs wl, opencode and gh (adapters/process/tool.ts). */
  runTool: ToolRunner;
}

const metadataFlag = (metadata: Record<string, unknown>, key: string): boolean =>
  metadata[key] === true || metadata[key] === "true";

export function workflowDeps(deps: WorklogRunnerDeps, ctx: RunnerContext): WorkflowDeps {
  return {
    cwd: ctx.config.commandCwd,
    wlTimeoutMs: ctx.config.wlTimeoutMs,
    deadline: ctx.deadline,
    clock: ctx.clock,
    ...(deps.notifier ? { notifier: deps.notifier } : {}),
    ...(deps.summarize ? { summarize: deps.summarize } : {}),
    runTool: deps.runTool,
    signal: ctx.signal,
  };
}

/**
 * The `delegation` command type: posts its own `Delegation Report` (so run.ts skips the
 * generic post for this type), then runs live delegation unless `metadata.audit_only`.
 */
export function delegationRunner(deps: WorklogRunnerDeps): Runner {
  return async (command, ctx) => {
    const outcome = await runDelegationWorkflow(workflowDeps(deps, ctx), {
      post: true,
      live: true,
      auditOnly: metadataFlag(command.metadata, "audit_only"),
    });
    return {
      exitCode: outcome.ok ? 0 : 1,
      output: outcome.output,
      outputTruncatedBytes: 0,
      outcome: outcome.ok ? "success" : "failure",
    };
  };
}

/**
 * The `triage-audit` command type: audits one work item and posts `Triage Audit — <title>`
 * (and `Audit Completed — <title>`) itself, then runs live delegation unless
 * `metadata.audit_only`. A wl failure while choosing the item fails the run, unposted.
 */
export function triageAuditRunner(deps: WorklogRunnerDeps): Runner {
  return async (command, ctx) => {
    const wf = workflowDeps(deps, ctx);
    const wl = worklogFor(wf);
    try {
      const outcome = await runTriageAudit(
        {
          commandId: command.id,
          wl,
          store: deps.store,
          runTool: deps.runTool,
          ...(deps.notifier ? { notifier: deps.notifier } : {}),
          clock: ctx.clock,
          agent: agentOptions(wf),
          gh: () => ({
            cwd: wf.cwd,
            timeoutMs: Math.max(Math.min(wf.wlTimeoutMs, ctx.deadline - ctx.clock()), 1000),
          }),
        },
        auditSettings(command.metadata, { verifyPrWithGh: ctx.config.verifyPrWithGh }),
      );
      return {
        exitCode: outcome.ok ? 0 : 1,
        output: outcome.output,
        outputTruncatedBytes: 0,
        outcome: outcome.ok ? "success" : "failure",
      };
    } catch (err) {
      if (!(err instanceof WorklogError)) throw err;
      return {
        exitCode: 1,
        output: `Triage audit failed: ${err.message}`,
        outputTruncatedBytes: 0,
        outcome: "failure",
      };
    }
  };
}
