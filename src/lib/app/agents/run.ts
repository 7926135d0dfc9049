import type { ToolOptions, ToolResult, ToolRunner } from "../../core/ports.js";
import { type AgentResult, type AgentUsage, agentResult } from "./output.js";
import { type AgentProfile, agentArgv } from "./profiles.js";

/** One agent run: the process as it ended, and what its output says. */
export interface AgentRun {
  tool: ToolResult;
  result: AgentResult;
}

/** Runs the command's agent on one prompt (delegation's dispatch, an audit). */
export type AgentRunner = (prompt: string) => Promise<AgentRun>;

/** Usage per agent over one command run, for its run record and the cost metrics. */
export class UsageTally {
  private readonly byAgent = new Map<string, AgentUsage>();

  add(agent: string, usage: AgentUsage): void {
    const before = this.byAgent.get(agent);
    const cost =
      before?.costUsd === undefined && usage.costUsd === undefined
        ? undefined
        : (before?.costUsd ?? 0) + (usage.costUsd ?? 0);
    this.byAgent.set(agent, {
      inputTokens: (before?.inputTokens ?? 0) + usage.inputTokens,
      outputTokens: (before?.outputTokens ?? 0) + usage.outputTokens,
      ...(cost === undefined ? {} : { costUsd: cost }),
    });
  }

  /** Each agent's usage, or undefined when no agent reported any. */
  entries(): (AgentUsage & { agent: string })[] | undefined {
    if (this.byAgent.size === 0) return undefined;
    return [...this.byAgent].map(([agent, usage]) => ({ agent, ...usage }));
  }
}

/**
 * The runner of `profile`: its program with the prompt as one argv element (agentArgv
 * refuses a prompt that would read as a flag), in the run's cwd and environment (the
 * allowlist plus the workspace's `env/*`, where its API key is: core/child-env.ts).
 */
export function agentRunner(
  runTool: ToolRunner,
  profile: AgentProfile,
  options: () => ToolOptions,
  tally?: UsageTally,
): AgentRunner {
  return async (prompt) => {
    const tool = await runTool(profile.program, agentArgv(profile, prompt), options());
    const result = agentResult(profile, tool.stdout, tool.exitCode);
    if (result.usage) tally?.add(profile.name, result.usage);
    return { tool, result };
  };
}
