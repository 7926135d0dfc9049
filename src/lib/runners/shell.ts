import { spawn } from "node:child_process";
import { constants } from "node:os";
import { BoundedOutput } from "../output.js";

export interface ShellResult {
  exitCode: number;
  output: string;
  outputTruncatedBytes: number;
  timedOut: boolean;
  durationMs: number;
}

export interface ShellOptions {
  cwd: string;
  timeoutMs: number;
  maxOutputBytes: number;
  env?: NodeJS.ProcessEnv;
  /** Time between SIGTERM and SIGKILL of the process group on timeout. */
  killGraceMs?: number;
}

/** Exit code 124 is what coreutils `timeout` reports; we use it for a run killed at max runtime. */
export const TIMEOUT_EXIT_CODE = 124;

/**
 * Starts the command (`$1`, never interpolated) with stdin from /dev/null, beside a watcher
 * that kills the whole process group once the runner's end of our stdin closes. The runner
 * closes it when the command exits (so nothing the command left in the background lives
 * on), and the kernel closes it when the runner dies (SIGKILL, crash), so a command never
 * outlives the process that would record its result, and cannot overlap its next run.
 */
// (A background list's stdin is /dev/null, so the watcher reads our stdin through fd 3.)
const WATCHED_SHELL =
  'exec 3<&0; (cat <&3 >/dev/null; kill -s KILL 0) & exec /bin/sh -c "$1" </dev/null 3<&-';

/**
 * Runs an operator-defined shell command with `/bin/sh -c` in its own process group, so
 * that on timeout the whole group (the shell and everything it started) is killed.
 * stdout and stderr are combined into one bounded buffer.
 */
export function runShell(command: string, opts: ShellOptions): Promise<ShellResult> {
  const started = performance.now();
  const output = new BoundedOutput(opts.maxOutputBytes);
  return new Promise((resolvePromise) => {
    const child = spawn("/bin/sh", ["-c", WATCHED_SHELL, "ampa-run", command], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.on("error", () => {}); // EPIPE once the group is gone.
    let timedOut = false;
    let settled = false;
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const finish = (exitCode: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      const { text, droppedBytes } = output.result();
      resolvePromise({
        exitCode,
        output: text,
        outputTruncatedBytes: droppedBytes,
        timedOut,
        durationMs: Math.round(performance.now() - started),
      });
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      output.push(
        Buffer.from(`\n[ampa] killed after exceeding max runtime of ${opts.timeoutMs} ms\n`),
      );
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), opts.killGraceMs ?? 2000);
    }, opts.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("error", (err) => {
      output.push(Buffer.from(`[ampa] could not start /bin/sh: ${err.message}\n`));
      finish(127);
    });
    const exitCodeOf = (code: number | null, signal: NodeJS.Signals | null) =>
      timedOut ? TIMEOUT_EXIT_CODE : (code ?? 128 + (signal ? constants.signals[signal] : 0));
    child.on("exit", (code, signal) => {
      if (timedOut) killGroup("SIGKILL");
      child.stdin.end(); // The watcher now ends whatever the command left running.
      // A background child of the command may hold the pipes open after the shell has
      // exited: collect what is buffered, then stop waiting for it.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(exitCodeOf(code, signal));
      }, 500);
    });
    child.on("close", (code, signal) => finish(exitCodeOf(code, signal)));
  });
}
