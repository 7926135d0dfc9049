import type { ToolRunner } from "../../core/ports.js";
import { findOnPath } from "./programs.js";

export type { ToolOptions, ToolResult, ToolRunner } from "../../core/ports.js";
import { killGroup, spawnInGroup } from "./process-group.js";

/** Output kept per stream; beyond it the rest is dropped (wl JSON is far smaller). */
const MAX_BUFFER = 16 * 1024 * 1024;
/** After the program exits, how long to wait for children still holding its pipes. */
const PIPE_GRACE_MS = 500;

/**
 * Runs `program` found on PATH with `args` as separate argv elements: no shell ever sees
 * them, so ids, titles, URLs and audit text cannot become commands. It runs in its own
 * process group, killed as a group at the timeout (agents start children of their own),
 * when it exits, and when this process dies (see spawnInGroup).
 */
export const runTool: ToolRunner = (program, args, opts) => {
  const base = { program, args };
  const path = findOnPath(program, opts.path ?? opts.env?.PATH ?? process.env.PATH ?? "");
  if (!path) {
    return Promise.resolve({
      ...base,
      exitCode: undefined,
      stdout: "",
      stderr: "",
      missing: true,
      timedOut: false,
    });
  }
  return new Promise((resolve) => {
    const child = spawnInGroup(path, args, { cwd: opts.cwd, env: opts.env ?? process.env });
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], size: { stdout: 0, stderr: 0 } };
    const collect = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      if (out.size[stream] >= MAX_BUFFER) return;
      out[stream].push(chunk.subarray(0, MAX_BUFFER - out.size[stream]));
      out.size[stream] += chunk.length;
    };
    child.stdout.on("data", collect("stdout"));
    child.stderr.on("data", collect("stderr"));
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        killGroup(child, "SIGKILL");
      },
      Math.max(opts.timeoutMs, 1),
    );
    const finish = (exitCode: number | undefined, missing = false, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        ...base,
        exitCode: timedOut ? undefined : exitCode,
        stdout: Buffer.concat(out.stdout).toString("utf8"),
        stderr: error ?? Buffer.concat(out.stderr).toString("utf8"),
        missing,
        timedOut,
      });
    };
    child.on("error", (err) => finish(undefined, true, err.message));
    child.on("exit", (code) => {
      if (timedOut) killGroup(child, "SIGKILL");
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code ?? undefined);
      }, PIPE_GRACE_MS);
    });
    child.on("close", (code) => finish(code ?? undefined));
  });
};
