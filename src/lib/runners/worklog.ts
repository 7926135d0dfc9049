import type { Notifier } from "../notify/notifier.js";
import type { Summarizer } from "../notify/messages.js";
import type { Store } from "../store/store.js";
import type { ToolRunner } from "../worklog/exec.js";
import { runDelegationWorkflow, type WorkflowDeps } from "../worklog/workflows.js";
import type { Runner, RunnerContext } from "./index.js";

export interface WorklogRunnerDeps {
  notifier?: Notifier;
  store: Store;
  summarize?: Summarizer;
  /** Replaces execFile for wl/opencode/gh (tests use real executables instead). */
  runTool?: ToolRunner;
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
    ...(deps.runTool ? { runTool: deps.runTool } : {}),
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
