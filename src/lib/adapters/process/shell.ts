import { constants } from "node:os";
import { childEnv } from "../../core/child-env.js";
import type { ShellRunner } from "../../core/ports.js";
import { BoundedOutput } from "../../core/output.js";
import { type ProcessExit, runProcess } from "./run-process.js";

export type { ShellOptions, ShellResult } from "../../core/ports.js";

/** Exit code 124 is what coreutils `timeout` reports; we use it for a run killed at max runtime. */
export const TIMEOUT_EXIT_CODE = 124;
/** What a shell reports when the program cannot be started. */
const NOT_STARTED_EXIT_CODE = 127;

/** 124 on timeout, the exit status, or 128 + the signal's number (as a shell reports it). */
function exitCodeOf({ code, signal, timedOut, error }: ProcessExit): number {
  if (error) return NOT_STARTED_EXIT_CODE;
  if (timedOut) return TIMEOUT_EXIT_CODE;
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}

/**
 * Runs an operator-defined shell command with `/bin/sh -c` in its own process group, so
 * that on timeout the whole group (the shell and everything it started) is killed:
 * SIGTERM, then SIGKILL after `killGraceMs`. stdout and stderr are combined into one
 * bounded buffer. Its environment is the allowlisted one (core/child-env.ts).
 */
export const runShell: ShellRunner = async (command, opts) => {
  const started = performance.now();
  const output = new BoundedOutput(opts.maxOutputBytes);
  const push = (chunk: Buffer) => {
    output.push(chunk);
    opts.onOutput?.(chunk);
  };
  const exit = await runProcess("/bin/sh", ["-c", command], {
    cwd: opts.cwd,
    env: childEnv(process.env, {
      ...(opts.extraEnv ? { extra: opts.extraEnv } : {}),
      inheritAwsCredentials: opts.inheritAwsCredentials === true,
    }),
    timeoutMs: opts.timeoutMs,
    termGraceMs: opts.killGraceMs ?? 2000,
    ...opts.runAs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onStdout: push,
    onStderr: push,
    onTimeout: () =>
      output.push(
        Buffer.from(`\n[ampa] killed after exceeding max runtime of ${opts.timeoutMs} ms\n`),
      ),
  });
  if (exit.error)
    output.push(Buffer.from(`[ampa] could not start /bin/sh: ${exit.error.message}\n`));
  const { text, droppedBytes } = output.result();
  return {
    exitCode: exitCodeOf(exit),
    output: text,
    outputTruncatedBytes: droppedBytes,
    timedOut: exit.timedOut,
    durationMs: Math.round(performance.now() - started),
  };
};
