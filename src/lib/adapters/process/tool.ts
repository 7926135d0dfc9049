import { childEnv } from "../../core/child-env.js";
import type { ToolRunner } from "../../core/ports.js";
import { findOnPath } from "./programs.js";
import { runProcess } from "./run-process.js";

export type { ToolOptions, ToolResult, ToolRunner } from "../../core/ports.js";

/** Output kept per stream; beyond it the rest is dropped (wl JSON is far smaller). */
const MAX_BUFFER = 16 * 1024 * 1024;

/** Keeps the first MAX_BUFFER bytes of a stream. */
function capped(): { push: (chunk: Buffer) => void; text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push: (chunk) => {
      if (size >= MAX_BUFFER) return;
      chunks.push(chunk.subarray(0, MAX_BUFFER - size));
      size += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
}

/**
 * Runs `program` found on PATH with `args` as separate argv elements: no shell ever sees
 * them, so ids, titles, URLs and audit text cannot become commands. It runs in its own
 * process group, killed as a group (SIGKILL) at the timeout (agents start children of
 * their own), when it exits, and when this process dies (see spawnInGroup).
 */
export const runTool: ToolRunner = async (program, args, opts) => {
  const base = { program, args };
  const path = findOnPath(program, opts.path ?? process.env.PATH ?? "");
  if (!path) {
    return { ...base, exitCode: undefined, stdout: "", stderr: "", missing: true, timedOut: false };
  }
  const stdout = capped();
  const stderr = capped();
  const exit = await runProcess(path, args, {
    cwd: opts.cwd,
    // Never the worker's whole environment, and never its AWS credentials (agents, wl, gh).
    env: childEnv(process.env, { ...(opts.extraEnv ? { extra: opts.extraEnv } : {}) }),
    timeoutMs: opts.timeoutMs,
    onStdout: (chunk) => {
      stdout.push(chunk);
      opts.onOutput?.(chunk);
    },
    ...opts.runAs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onStderr: (chunk) => {
      stderr.push(chunk);
      opts.onOutput?.(chunk);
    },
  });
  return {
    ...base,
    exitCode: exit.timedOut ? undefined : (exit.code ?? undefined),
    stdout: stdout.text(),
    stderr: exit.error?.message ?? stderr.text(),
    missing: exit.error !== undefined,
    timedOut: exit.timedOut,
  };
};
