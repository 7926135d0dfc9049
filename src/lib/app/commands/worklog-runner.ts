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
import { type AgentProfile, commandAgent } from "../agents/profiles.js";
import { UsageTally } from "../agents/run.js";
import {
  type AgentWorkflowDeps,
  agentFor,
  type WorkflowDeps,
  worklogFor,
} from "../worklog/workflows.js";

export interface WorklogRunnerDeps {
  notifier?: Notify;
  store: AuditStore;
  /** Where delegation records its claims; without it only wl knows of them. */
  dispatches?: DispatchStore & CounterStore;
  summarize?: Summarizer;
  /** Runs wl, opencode and gh (adapters/process/tool.ts). */
  runTool: ToolRunner;
}

/** What a Worklog run needs; with its agent (runnerAgent), what one that runs it needs. */
export function workflowDeps(deps: WorklogRunnerDeps, ctx: RunnerContext): WorkflowDeps;
export function workflowDeps(
  deps: WorklogRunnerDeps,
  ctx: RunnerContext,
  agent: { profile: AgentProfile; usage: UsageTally },
): AgentWorkflowDeps;
export function workflowDeps(
  deps: WorklogRunnerDeps,
  ctx: RunnerContext,
  agent?: { profile: AgentProfile; usage: UsageTally },
): WorkflowDeps {
  return {
    ...(agent ? { agent: agent.profile, usage: agent.usage } : {}),
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
 * The agent a command runs (its metadata, else the stage's AMPA_DEFAULT_AGENT, else
 * opencode) with a fresh usage tally, or the failed result (exit 2) naming the bad key.
 */
export function runnerAgent(
  metadata: Record<string, unknown>,
  ctx: RunnerContext,
): { ok: true; profile: AgentProfile; usage: UsageTally } | { ok: false; result: RunnerResult } {
  const chosen = commandAgent(metadata, ctx.config.defaultAgent);
  if (!chosen.ok)
    return {
      ok: false,
      result: { exitCode: 2, output: chosen.error, outputTruncatedBytes: 0, outcome: "failure" },
    };
  return { ok: true, profile: chosen.profile, usage: new UsageTally() };
}

/** The result of a run, with the usage its agent reported (the run record keeps it). */
export function withUsage(result: RunnerResult, usage: UsageTally): RunnerResult {
  const agentUsage = usage.entries();
  return agentUsage ? { ...result, agentUsage } : result;
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
  wf: AgentWorkflowDeps,
  commandId: string,
): ItemAuditDeps {
  return {
    commandId,
    wl: worklogFor(wf),
    store: deps.store,
    runTool: deps.runTool,
    ...(deps.notifier ? { notifier: deps.notifier } : {}),
    clock: wf.clock,
    agent: agentFor(wf),
  };
}
