/** The runner ports: how a claimed run is handed over, and what runs it. */
import type { AgentUsageRecord, Command, CommandType, RunClaim, RunOutcome } from "./command.js";
import type { RunnerSettings } from "./config.js";
import type { Logger } from "./logger.js";
import type { Workspace } from "./task-ports.js";

/** Epoch milliseconds now. Passed in everywhere, so tests can fix it. */
export type Clock = () => number;

/** Hands a claimed run to its runner: an async Lambda invocation on AWS, a direct call inline. */
export type Dispatch = (command: Command, claim: RunClaim) => Promise<void>;

export interface RunnerContext {
  /** The few settings runners read, not the whole Config. */
  config: RunnerSettings;
  /** The command and run this is (recorded on what the run claims, e.g. a dispatch). */
  commandId: string;
  runId: string;
  log: Logger;
  /** Epoch ms by which the runner must have finished (max runtime, lease, Lambda time). */
  deadline: number;
  clock: Clock;
  /** Aborts when the run loses its lease: the runner kills what it started and returns. */
  signal: AbortSignal;
  /**
   * Where a task run executes (app/workspace.ts): its cwd and the environment it adds
   * (secrets, GH_TOKEN). Without it, runs use AMPA_COMMAND_CWD and the process's environment.
   */
  workspace?: Workspace;
}

export interface RunnerResult {
  exitCode: number;
  output: string;
  outputTruncatedBytes: number;
  outcome: RunOutcome;
  /** What the run's agents reported using (the run record keeps it). */
  agentUsage?: AgentUsageRecord[];
}

export type Runner = (command: Command, ctx: RunnerContext) => Promise<RunnerResult>;
export type Runners = Record<CommandType, Runner>;
