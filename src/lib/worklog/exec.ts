import { execFile } from "node:child_process";
import { findOnPath } from "../notify/messages.js";

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

export interface ToolOptions {
  cwd: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** PATH to look the program up in (defaults to the process's PATH). */
  path?: string;
}

/** Runs an external tool and returns its result; never throws. */
export type ToolRunner = (
  program: string,
  args: readonly string[],
  opts: ToolOptions,
) => Promise<ToolResult>;

const MAX_BUFFER = 16 * 1024 * 1024;

/**
 * Runs `program` found on PATH with `args` as separate argv elements: no shell ever sees
 * them, so ids, titles, URLs and audit text cannot become commands. Killed at the timeout.
 */
export const runTool: ToolRunner = (program, args, opts) => {
  const base = { program, args, stdout: "", stderr: "" };
  const path = findOnPath(program, opts.path ?? opts.env?.PATH ?? process.env.PATH ?? "");
  if (!path) {
    return Promise.resolve({ ...base, exitCode: undefined, missing: true, timedOut: false });
  }
  return new Promise((resolve) => {
    const started = Date.now();
    execFile(
      path,
      [...args],
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: Math.max(Math.floor(opts.timeoutMs), 1),
        killSignal: "SIGKILL",
        maxBuffer: MAX_BUFFER,
        shell: false,
      },
      (error, stdout, stderr) => {
        const err = error as (Error & { code?: unknown; killed?: boolean }) | null;
        const timedOut = Boolean(err?.killed) && Date.now() - started >= opts.timeoutMs - 50;
        let exitCode: number | undefined = 0;
        if (err) exitCode = typeof err.code === "number" ? err.code : undefined;
        if (
          err &&
          typeof err.code === "string" &&
          err.code !== "ERR_CHILD_PROCESS_STDIO_MAXBUFFER"
        ) {
          // ENOENT/EACCES: could not start it at all.
          resolve({
            ...base,
            exitCode: undefined,
            missing: true,
            timedOut: false,
            stderr: err.message,
          });
          return;
        }
        resolve({
          ...base,
          exitCode: timedOut ? undefined : exitCode,
          stdout,
          stderr,
          missing: false,
          timedOut,
        });
      },
    );
  });
};

/** One line saying how a tool run went wrong, for notes and errors. */
export function describeFailure(result: ToolResult, timeoutMs?: number): string {
  const name = `${result.program} ${result.args[0] ?? ""}`.trim();
  if (result.missing) return `${result.program} is not on PATH`;
  if (result.timedOut)
    return `${name} timed out${timeoutMs === undefined ? "" : ` after ${Math.round(timeoutMs)} ms`}`;
  const stderr = result.stderr.trim().split("\n").slice(-3).join(" ").slice(0, 300);
  return `${name} exited ${result.exitCode ?? "abnormally"}${stderr ? `: ${stderr}` : ""}`;
}
