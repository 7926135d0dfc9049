import type {
  AuditStore,
  CounterStore,
  DispatchStore,
  Notify,
  RunnerContext,
  RunnerResult,
  Summarizer,
  ToolRunner,
} from "../../core/ports.js";
import { WorklogError } from "../worklog/wl.js";
import type { ItemAuditDeps } from "../worklog/audit.js";
import { agentOptions, type WorkflowDeps, worklogFor } from "../worklog/workflows.js";

export interface WorklogRunnerDeps {
  notifier?: Notify;
  store: AuditStore;
  /** Where delegation records its claims; without it only wl knows of them. */
  dispatches?: DispatchStore & CounterStore;
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

/**
 * What an audit run ends as: its outcome, or, when wl fails while the item is chosen, a
 * failure, unposted, named `<what> failed: <why>`.
 */
export async function auditResult(
  what: string,
  run: () => Promise<{ ok: boolean; output: string }>,
): Promise<RunnerResult> {
  try {
    const outcome = await run();
    return worklogResult(outcome.ok, outcome.output);
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    return worklogResult(false, `${what} failed: ${err.message}`);
  }
}

/** What an audit of one item needs from its run (app/worklog/audit.ts). */
export function itemAuditDeps(
  deps: WorklogRunnerDeps,
  wf: WorkflowDeps,
  commandId: string,
): ItemAuditDeps {
  return {
    commandId,
    wl: worklogFor(wf),
    store: deps.store,
    runTool: deps.runTool,
    ...(deps.notifier ? { notifier: deps.notifier } : {}),
    clock: wf.clock,
    agent: agentOptions(wf),
  };
}
