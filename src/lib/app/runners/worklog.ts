import type {
  AuditStore,
  DispatchStore,
  Notify,
  Summarizer,
  ToolRunner,
} from "../../core/ports.js";
import { auditSettings, runTriageAudit } from "../worklog/audit.js";
import { delegationSettings } from "../worklog/checks.js";
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
  /** Where delegation records its claims; without it only wl knows of them. */
  dispatches?: DispatchStore;
  summarize?: Summarizer;
  /** Runs wl, opencode and gh (adapters/process/tool.ts). */
  runTool: ToolRunner;
}

export function workflowDeps(deps: WorklogRunnerDeps, ctx: RunnerContext): WorkflowDeps {
  return {
    cwd: ctx.workspace?.cwd ?? ctx.config.commandCwd,
    ...(ctx.workspace ? { extraEnv: ctx.workspace.env } : {}),
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
 * generic post for this type), then runs live delegation unless `metadata.audit_only`,
 * with the checks and stages of its metadata. Bad metadata fails the run (exit 2), unposted.
 */
export function delegationRunner(deps: WorklogRunnerDeps): Runner {
  return async (command, ctx) => {
    const parsed = delegationSettings(command.metadata);
    if (!parsed.ok)
      return { exitCode: 2, output: parsed.error, outputTruncatedBytes: 0, outcome: "failure" };
    const outcome = await runDelegationWorkflow(workflowDeps(deps, ctx), {
      post: true,
      live: true,
      settings: parsed.settings,
      claim: { commandId: ctx.commandId, runId: ctx.runId, assignee: ctx.config.delegateAssignee },
      ...(deps.dispatches ? { dispatchStore: deps.dispatches } : {}),
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
