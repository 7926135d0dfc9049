import type { ComputeTime, RunRecord } from "./command.js";

/**
 * What runs used, as their records say: the compute time of a task run, and each
 * command's sums over its runs on record (per agent, and of its task compute time).
 * Pure: the records come in, figures go out. Money is the reader's sum (docs/cost.md).
 */

/** A task's size: its vCPUs and its memory in GB. */
export interface TaskSize {
  vcpu: number;
  memoryGb: number;
}

/** A Fargate task definition's size in its own units: cpu 1024 = 1 vCPU, memory in MiB. */
export function fargateTaskSize(cpuUnits: number, memoryMiB: number): TaskSize {
  return { vcpu: cpuUnits / 1024, memoryGb: memoryMiB / 1024 };
}

/** A run of `durationMs` on a task of `size`: vCPU-seconds and GB-seconds. */
export function computeTime(durationMs: number, size: TaskSize): ComputeTime {
  const seconds = Math.max(durationMs, 0) / 1000;
  return { vcpuSeconds: seconds * size.vcpu, gbSeconds: seconds * size.memoryGb };
}

/** One agent's figures summed over a command's runs on record. */
export interface AgentUsageSum {
  agent: string;
  /** Runs on record in which it reported usage. */
  runs: number;
  inputTokens: number;
  outputTokens: number;
  /** Undefined when none of those runs reported a cost (codex, gemini, text profiles). */
  costUsd: number | undefined;
}

/** The task compute time summed over a command's runs on record that have one. */
export interface ComputeSum extends ComputeTime {
  runs: number;
}

/** What one command's runs on record used. */
export interface CommandUsage {
  commandId: string;
  /** Its runs on record, with usage or not. */
  runs: number;
  /** By agent name. */
  agents: AgentUsageSum[];
  /** Undefined when none of its runs on record ran as a task. */
  compute: ComputeSum | undefined;
}

/**
 * The sums over the runs on record, as status and the dashboard show them: the store keeps
 * only the newest `maxRunsPerCommand` runs of each command, so these are not totals since
 * the start (the /metrics counters are).
 */
export interface UsageOnRecord {
  maxRunsPerCommand: number;
  /** Only commands whose runs on record report some usage or compute time, by id. */
  commands: CommandUsage[];
}

function commandUsage(commandId: string, runs: readonly RunRecord[]): CommandUsage {
  const agents = new Map<string, AgentUsageSum>();
  let compute: ComputeSum | undefined;
  for (const run of runs) {
    for (const u of run.agentUsage ?? []) {
      const sum = agents.get(u.agent) ?? {
        agent: u.agent,
        runs: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: undefined,
      };
      agents.set(u.agent, {
        agent: u.agent,
        runs: sum.runs + 1,
        inputTokens: sum.inputTokens + u.inputTokens,
        outputTokens: sum.outputTokens + u.outputTokens,
        costUsd: u.costUsd === undefined ? sum.costUsd : (sum.costUsd ?? 0) + u.costUsd,
      });
    }
    if (run.compute)
      compute = {
        runs: (compute?.runs ?? 0) + 1,
        vcpuSeconds: (compute?.vcpuSeconds ?? 0) + run.compute.vcpuSeconds,
        gbSeconds: (compute?.gbSeconds ?? 0) + run.compute.gbSeconds,
      };
  }
  const byName = (a: AgentUsageSum, b: AgentUsageSum) => (a.agent < b.agent ? -1 : 1);
  return { commandId, runs: runs.length, agents: [...agents.values()].sort(byName), compute };
}

/** Each command's sums over the runs given (its runs on record), commands by id. */
export function usageSums(
  runsByCommand: Iterable<readonly [string, readonly RunRecord[]]>,
  maxRunsPerCommand: number,
): UsageOnRecord {
  const commands = [...runsByCommand]
    .map(([id, runs]) => commandUsage(id, runs))
    .filter((u) => u.agents.length > 0 || u.compute !== undefined)
    .sort((a, b) => (a.commandId < b.commandId ? -1 : a.commandId > b.commandId ? 1 : 0));
  return { maxRunsPerCommand, commands };
}
