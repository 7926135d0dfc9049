import type { Command, CommandType, RunOutcome } from "../../core/command.js";
import type { Config } from "../../runtime/config.js";
import type { Logger } from "../../runtime/log.js";
import { type HeartbeatDeps, heartbeatRunner } from "./heartbeat.js";
import { runShell } from "./shell.js";
import { delegationRunner, triageAuditRunner, type WorklogRunnerDeps } from "./worklog.js";

export interface RunnerContext {
  config: Config;
  log: Logger;
  /** Epoch ms by which the runner must have finished (max runtime, lease, Lambda time). */
  deadline: number;
  clock: () => number;
}

export interface RunnerResult {
  exitCode: number;
  output: string;
  outputTruncatedBytes: number;
  outcome: RunOutcome;
}

export type Runner = (command: Command, ctx: RunnerContext) => Promise<RunnerResult>;
export type Runners = Record<CommandType, Runner>;

export const shellRunner: Runner = async (command, ctx) => {
  const result = await runShell(command.command, {
    cwd: ctx.config.commandCwd,
    timeoutMs: Math.max(ctx.deadline - ctx.clock(), 1000),
    maxOutputBytes: ctx.config.maxOutputBytes,
  });
  return {
    exitCode: result.exitCode,
    output: result.output,
    outputTruncatedBytes: result.outputTruncatedBytes,
    outcome: result.timedOut ? "timeout" : result.exitCode === 0 ? "success" : "failure",
  };
};

/** Placeholder for a command type whose runner has not been built yet: an honest failure. */
export function notImplementedRunner(type: CommandType): Runner {
  return async () => ({
    exitCode: 1,
    output: `The ${type} runner is not implemented yet in AMPA serverless; this run did nothing.`,
    outputTruncatedBytes: 0,
    outcome: "failure",
  });
}

/** A heartbeat with nowhere to send it: an honest failure, not a fake success. */
const noNotifierRunner: Runner = async () => ({
  exitCode: 2,
  output: "Heartbeats need a notifier; none was configured for this process.",
  outputTruncatedBytes: 0,
  outcome: "failure",
});

/**
 * Command types that post their own Discord messages (`Delegation Report`, `Triage Audit —
 * …`, `Audit Completed — …`); the generic per-run post is skipped for them.
 */
export const SELF_ANNOUNCING_TYPES: ReadonlySet<CommandType> = new Set([
  "heartbeat",
  "delegation",
  "triage-audit",
]);

/** The runner of each command type. Heartbeats need the notifier and store. */
export function createRunners(heartbeat?: HeartbeatDeps, worklog?: WorklogRunnerDeps): Runners {
  return {
    shell: shellRunner,
    heartbeat: heartbeat ? heartbeatRunner(heartbeat) : noNotifierRunner,
    delegation: worklog ? delegationRunner(worklog) : notImplementedRunner("delegation"),
    "triage-audit": worklog ? triageAuditRunner(worklog) : notImplementedRunner("triage-audit"),
  };
}
