import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { killGroup, spawnInGroup } from "./process-group.js";

/** After the program exits, how long to wait for children still holding its pipes. */
export const PIPE_GRACE_MS = 500;

export interface ProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** After this long the process group is killed (see `termGraceMs`). */
  timeoutMs: number;
  /**
   * At the timeout, SIGTERM the group first and SIGKILL it this long after; without it the
   * group is sent SIGKILL at once.
   */
  termGraceMs?: number;
  /** Each chunk of stdout, as it arrives, until the run has settled. */
  onStdout: (chunk: Buffer) => void;
  /** Each chunk of stderr, as it arrives, until the run has settled. */
  onStderr: (chunk: Buffer) => void;
  /** Called once at the timeout, before the first signal is sent. */
  onTimeout?: () => void;
  /** Kills the group as the timeout does when it aborts (its run lost its lease). */
  signal?: AbortSignal;
  /** Start the program as this user (see spawnInGroup); undefined: as this process. */
  uid?: number;
  gid?: number;
}

/** How a process run ended. */
export interface ProcessExit {
  /** The exit status; null when a signal ended the program. */
  code: number | null;
  /** The signal that ended the program, if one did. */
  signal: NodeJS.Signals | null;
  /** True when the timeout fired (the group was then killed). */
  timedOut: boolean;
  /** Set when the program could not be started; `code` and `signal` are then null. */
  error?: Error;
}

/**
 * The child, or the error that kept it from starting. Node throws at once (EPERM) when
 * this process may not take the user's ids: say so plainly, since the run then fails.
 */
function start(
  file: string,
  args: readonly string[],
  opts: ProcessOptions,
): ChildProcessWithoutNullStreams | Error {
  try {
    return spawnInGroup(file, args, opts);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    if (opts.uid === undefined && opts.gid === undefined) return error;
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    return new Error(
      `cannot start ${file} as uid ${opts.uid ?? "-"} gid ${opts.gid ?? "-"} (${code}): this process ` +
        `(uid ${process.getuid?.() ?? "?"}) needs root or CAP_SETUID/CAP_SETGID; it was not run as this process instead`,
    );
  }
}

/**
 * Runs `file` with `args` (argv elements, no shell) in a process group of its own (see
 * spawnInGroup), streams its output to the callbacks, and kills the whole group at the
 * timeout. Resolves once the program has exited and its pipes have closed, or
 * PIPE_GRACE_MS after it exited when a background child still holds them. Never rejects.
 */
export function runProcess(
  file: string,
  args: readonly string[],
  opts: ProcessOptions,
): Promise<ProcessExit> {
  return new Promise((resolve) => {
    const child = start(file, args, opts);
    if (child instanceof Error) {
      resolve({ code: null, signal: null, timedOut: false, error: child });
      return;
    }
    let timedOut = false;
    let settled = false;
    let killing = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (exit: Omit<ProcessExit, "timedOut">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener("abort", kill);
      resolve({ ...exit, timedOut });
    };
    const kill = () => {
      if (killing) return;
      killing = true;
      if (opts.termGraceMs === undefined) {
        killGroup(child, "SIGKILL");
        return;
      }
      killGroup(child, "SIGTERM");
      killTimer = setTimeout(() => killGroup(child, "SIGKILL"), opts.termGraceMs);
    };
    const timer = setTimeout(
      () => {
        timedOut = true;
        opts.onTimeout?.();
        kill();
      },
      Math.max(opts.timeoutMs, 1),
    );
    if (opts.signal?.aborted) kill();
    else opts.signal?.addEventListener("abort", kill, { once: true });
    child.stdout.on("data", (chunk: Buffer) => settled || opts.onStdout(chunk));
    child.stderr.on("data", (chunk: Buffer) => settled || opts.onStderr(chunk));
    child.on("error", (error) => finish({ code: null, signal: null, error }));
    child.on("exit", (code, signal) => {
      if (killing) killGroup(child, "SIGKILL");
      // A background child of the program may hold the pipes open after it has exited:
      // collect what is buffered, then stop waiting for it.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ code, signal });
      }, PIPE_GRACE_MS);
    });
    child.on("close", (code, signal) => finish({ code, signal }));
  });
}
