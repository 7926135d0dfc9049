import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Summarizer } from "../../core/ports.js";
import type { RunAs } from "../../core/task-ports.js";
import { runProcess } from "./run-process.js";

/** Linux refuses a single argv element over 128 KiB; leave room for the prompt. */
const MAX_SUMMARY_INPUT = 100_000;

/** The full path of an executable on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Another user to run as, in its own HOME (a task worker's agent, runtime/agent-identity.ts). */
export type AgentUser = RunAs & { home: string };

/** What `execFile` allows per stream by default; more counts as a failure, as there. */
const MAX_OUTPUT = 1024 * 1024;

/**
 * Runs `file` with `args` in a process group of its own, killed (SIGKILL) at the timeout,
 * and returns its stdout; undefined when it could not start, timed out, exited non-zero or
 * printed more than MAX_OUTPUT on either stream.
 */
async function stdoutOf(
  file: string,
  args: readonly string[],
  timeoutMs: number,
  agent?: AgentUser,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  const size = { stdout: 0, stderr: 0 };
  const exit = await runProcess(file, args, {
    cwd: agent?.home ?? process.cwd(),
    env: agent ? { ...process.env, HOME: agent.home } : process.env,
    timeoutMs,
    ...(agent ? { uid: agent.uid, gid: agent.gid } : {}),
    onStdout: (chunk) => {
      size.stdout += chunk.length;
      if (size.stdout <= MAX_OUTPUT) chunks.push(chunk);
    },
    onStderr: (chunk) => {
      size.stderr += chunk.length;
    },
  });
  const failed = exit.error !== undefined || exit.timedOut || exit.code !== 0;
  if (failed || size.stdout > MAX_OUTPUT || size.stderr > MAX_OUTPUT) return undefined;
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `opencode run "summarize this content in under 1000 characters: …"`, as an argv element
 * (never a shell string), with a 30 s timeout. Undefined when opencode is not on PATH or
 * fails, so the caller falls back to cutting the text. With `agent`, opencode runs as that
 * user in its HOME (it cannot start: undefined, so the text is cut).
 */
export function opencodeSummarizer(
  timeoutMs = 30_000,
  maxCharacters = 1000,
  agent?: AgentUser,
): Summarizer {
  return async (text) => {
    const opencode = findOnPath("opencode");
    if (!opencode) return undefined;
    const prompt = `summarize this content in under ${maxCharacters} characters: ${text.slice(0, MAX_SUMMARY_INPUT)}`;
    const summary = (await stdoutOf(opencode, ["run", prompt], timeoutMs, agent))?.trim();
    return summary || undefined;
  };
}

/** Plain `wl status` for the startup message; undefined when wl is missing or fails. */
export function readWlStatus(timeoutMs = 10_000): Promise<string | undefined> {
  const wl = findOnPath("wl");
  if (!wl) return Promise.resolve(undefined);
  return stdoutOf(wl, ["status"], timeoutMs);
}
