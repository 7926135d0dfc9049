import { constants } from "node:os";
import type { ShellRunner } from "../../core/ports.js";
import { BoundedOutput } from "../../core/output.js";
import { killGroup, spawnInGroup } from "./process-group.js";

export type { ShellOptions, ShellResult } from "../../core/ports.js";

/** Exit code 124 is what coreutils `timeout` reports; we use it for a run killed at max runtime. */
export const TIMEOUT_EXIT_CODE = 124;

/**
 * Runs an operator-defined shell command with `/bin/sh -c` in its own process group, so
 * that on timeout the whole group (the shell and everything it started) is killed.
 * stdout and stderr are combined into one bounded buffer.
 */
export const runShell: ShellRunner = (command, opts) => {
  const started = performance.now();
  const output = new BoundedOutput(opts.maxOutputBytes);
  return new Promise((resolvePromise) => {
    const child = spawnInGroup("/bin/sh", ["-c", command], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
    });
    let timedOut = false;
    let settled = false;
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
      killGroup(child, "SIGTERM");
      killTimer = setTimeout(() => killGroup(child, "SIGKILL"), opts.killGraceMs ?? 2000);
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
      if (timedOut) killGroup(child, "SIGKILL");
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
};
