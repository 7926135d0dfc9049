import type { CommandType } from "../../core/command.js";
import type { PrReportStore, Runner, Runners, ShellRunner, ToolRunner } from "../../core/ports.js";
import { type HeartbeatDeps, heartbeatRunner } from "./heartbeat.js";
import { prMonitorRunner, reviewAuditRunner } from "./review-audit.js";
import { watchdogRunner } from "./watchdog.js";
import { delegationRunner, triageAuditRunner, type WorklogRunnerDeps } from "./worklog.js";

export type { Runner, RunnerContext, RunnerResult, Runners } from "../../core/ports.js";

/** The `shell` command type: the command line under /bin/sh, in the workspace or the command cwd. */
export const shellRunner =
  (runShell: ShellRunner): Runner =>
  async (command, ctx) => {
    const result = await runShell(command.command, {
      cwd: ctx.workspace?.cwd ?? ctx.config.commandCwd,
      ...(ctx.workspace ? { extraEnv: ctx.workspace.env } : {}),
      // Only a shell command's own definition can hand it the worker's AWS credentials.
      inheritAwsCredentials: command.metadata.inherit_aws_credentials === true,
      timeoutMs: Math.max(ctx.deadline - ctx.clock(), 1000),
      maxOutputBytes: ctx.config.maxOutputBytes,
      signal: ctx.signal,
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
 * …`, `Audit Completed — …`, `Review Audit — …`, `PR Monitor — …`); the generic per-run
 * post is skipped for them.
 */
export const SELF_ANNOUNCING_TYPES: ReadonlySet<CommandType> = new Set([
  "heartbeat",
  "delegation",
  "triage-audit",
  "review-audit",
  "pr-monitor",
  "stale-delegation-watchdog",
]);

/** The programs runners start (adapters/process), and what heartbeats and Worklog runs need. */
export interface RunnerDeps {
  runShell: ShellRunner;
  runTool: ToolRunner;
  /** Heartbeats need the notifier and store; without them they fail honestly. */
  heartbeat?: HeartbeatDeps;
  worklog?: Omit<WorklogRunnerDeps, "runTool">;
  /** Where the PR monitor claims its reports; without it the type fails honestly. */
  prReports?: PrReportStore;
}

/** The runner of each command type. */
export function createRunners(deps: RunnerDeps): Runners {
  const { heartbeat, worklog, prReports } = deps;
  const worklogDeps = worklog && { ...worklog, runTool: deps.runTool };
  return {
    shell: shellRunner(deps.runShell),
    heartbeat: heartbeat ? heartbeatRunner(heartbeat) : noNotifierRunner,
    delegation: worklogDeps ? delegationRunner(worklogDeps) : notImplementedRunner("delegation"),
    "triage-audit": worklogDeps
      ? triageAuditRunner(worklogDeps)
      : notImplementedRunner("triage-audit"),
    "review-audit": worklogDeps
      ? reviewAuditRunner(worklogDeps)
      : notImplementedRunner("review-audit"),
    "pr-monitor":
      worklogDeps && prReports
        ? prMonitorRunner({ ...worklogDeps, prReports })
        : notImplementedRunner("pr-monitor"),
    "stale-delegation-watchdog": worklogDeps
      ? watchdogRunner(worklogDeps)
      : notImplementedRunner("stale-delegation-watchdog"),
  };
}
