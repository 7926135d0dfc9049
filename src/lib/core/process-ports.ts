/** The process ports (adapters/process): operator shell lines and external tools. */
import type { AsUser } from "./task-ports.js";

export interface ShellResult {
  exitCode: number;
  output: string;
  outputTruncatedBytes: number;
  timedOut: boolean;
  durationMs: number;
}

export interface ShellOptions extends AsUser {
  cwd: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Laid over the allowlisted environment (core/child-env.ts): a workspace's secrets. */
  extraEnv?: Readonly<Record<string, string>>;
  /** The definition's `metadata.inherit_aws_credentials`: the worker's AWS credentials pass too. */
  inheritAwsCredentials?: boolean;
  /** Time between SIGTERM and SIGKILL of the process group on timeout. */
  killGraceMs?: number;
  /** Kills the process group when it aborts (the run lost its lease). */
  signal?: AbortSignal;
  /** Each chunk of output (stdout and stderr) as it arrives: the run's live output. */
  onOutput?: (chunk: Buffer) => void;
}

/** Runs an operator-defined shell command line in its own process group; never throws. */
export type ShellRunner = (command: string, opts: ShellOptions) => Promise<ShellResult>;

/** What one run of an external program (wl, opencode, gh) produced. */
export interface ToolResult {
  program: string;
  args: readonly string[];
  /** Undefined when the program was missing, timed out or was killed. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  missing: boolean;
  timedOut: boolean;
}

export interface ToolOptions extends AsUser {
  cwd: string;
  timeoutMs: number;
  /** Laid over the allowlisted environment (core/child-env.ts): a workspace's secrets. */
  extraEnv?: Readonly<Record<string, string>>;
  /** PATH to look the program up in (defaults to the process's PATH). */
  path?: string;
  /** Kills the program's process group when it aborts (the run lost its lease). */
  signal?: AbortSignal;
  /** Each chunk of output (stdout and stderr) as it arrives: the run's live output. */
  onOutput?: (chunk: Buffer) => void;
}

/** Runs an external tool and returns its result; never throws. */
export type ToolRunner = (
  program: string,
  args: readonly string[],
  opts: ToolOptions,
) => Promise<ToolResult>;
