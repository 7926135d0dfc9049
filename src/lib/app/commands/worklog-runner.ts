import type {
  AuditStore,
  DispatchStore,
  Notify,
  RunnerContext,
  RunnerResult,
  Summarizer,
  ToolRunner,
} from "../../core/ports.js";
import type { WorkflowDeps } from "../worklog/workflows.js";

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

/** A Worklog run's result: exit 0 and success, or exit 1 and failure. */
export const worklogResult = (ok: boolean, output: string): RunnerResult => ({
  exitCode: ok ? 0 : 1,
  output,
  outputTruncatedBytes: 0,
  outcome: ok ? "success" : "failure",
});
