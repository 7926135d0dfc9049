import type * as z from "zod";
import type { CommandSpec, Runtime } from "../../core/command.js";
import type { PrReportStore, Runner, ShellRunner, ToolRunner } from "../../core/ports.js";
import type { HeartbeatDeps } from "./heartbeat/send.js";
import type { WorklogRunnerDeps } from "./worklog-runner.js";

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

/** What an upstream (Python daemon) command becomes here, as the import brings it in. */
export interface TypeMapping {
  type: string;
  metadata: Record<string, unknown>;
  /** Why the command is imported paused, when it is. */
  pausedBecause?: string;
  /** How the type was mapped, for the import's notes. */
  note?: string;
}

/**
 * Everything AMPA knows about one command type. The registry (registry.ts) lists the
 * modules; every per-type list (the `--type` choices, runners, status labels, the
 * simulator's runners, the import's mapping) is derived from it.
 */
export interface CommandModule {
  /** Its name in specs, in the store and after `--type`. */
  readonly type: string;
  /** Where its runs execute when the command names no runtime (core/command.ts: RUNTIMES). */
  readonly runtime: Runtime;
  /**
   * Whether it posts its own Discord messages, so the generic per-run post is skipped:
   * `always`, or `unless-error` (a runner that crashed posted nothing: the generic post
   * announces the error). Absent: never.
   */
  readonly selfAnnouncing?: "always" | "unless-error";
  /** Its metadata keys `ampa add`/`update` check; the first bad one is named. */
  readonly metadataSchema?: z.ZodType;
  /** Metadata its runner refuses to run with, every bad field named; `add`/`update` too. */
  readonly settingsSchema?: z.ZodType;
  /** It runs a coding agent (metadata `agent`): its live output is that agent's events. */
  readonly runsAgent?: boolean;
  /** Only a type that runs the operator's own command may inherit the worker's AWS credentials. */
  readonly mayInheritAwsCredentials?: boolean;
  /** Its runner, from what the process has; a missing dependency gives an honest failure. */
  runner(deps: RunnerDeps): Runner;
  /** Its name in the TYPE column of `ampa status` and the dashboard (the type when absent). */
  readonly statusLabel?: string;
  /** How `ampa simulate` and the benchmark run it; an instant success when absent. */
  readonly simulatedRunner?: Runner;
  /** Upstream types the Python-store import maps onto this one (its own name always maps). */
  readonly upstreamTypes?: Readonly<
    Record<string, (upstream: string, metadata: Record<string, unknown>) => TypeMapping>
  >;
  /** What `npm start` adds to an empty store. */
  examples?(opts: { heartbeatMinutes: number }): CommandSpec[];
}

/** Placeholder for a type whose dependencies this process lacks: an honest failure. */
export function notImplementedRunner(type: string): Runner {
  return async () => ({
    exitCode: 1,
    output: `The ${type} runner is not implemented yet in AMPA serverless; this run did nothing.`,
    outputTruncatedBytes: 0,
    outcome: "failure",
  });
}

/** The runner of a Worklog type: built when the process has Worklog's dependencies. */
export function worklogRunner(
  type: string,
  build: (deps: WorklogRunnerDeps) => Runner,
): (deps: RunnerDeps) => Runner {
  return ({ worklog, runTool }) =>
    worklog ? build({ ...worklog, runTool }) : notImplementedRunner(type);
}
