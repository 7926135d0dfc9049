import type { Git, GitCloneRequest, GitResult } from "../../core/task-ports.js";
import { registerSecret } from "../../core/secrets.js";
import { findOnPath } from "./programs.js";
import { runProcess } from "./run-process.js";

/** How much of git's stderr a failure keeps (the end, where git says what went wrong). */
const ERROR_EXCERPT = 2000;

/** Git never asks on a terminal: a missing or refused credential fails the clone at once. */
const NO_PROMPT = { GIT_TERMINAL_PROMPT: "0" };

/**
 * `git clone --depth 1 --single-branch [--branch <ref>] -- <url> <dir>`: `--` keeps a URL
 * or directory that starts with `-` from being read as an option.
 */
export function cloneArgs(req: Pick<GitCloneRequest, "url" | "ref" | "dir">): string[] {
  const branch = req.ref ? ["--branch", req.ref] : [];
  return ["clone", "--depth", "1", "--single-branch", ...branch, "--", req.url, req.dir];
}

/**
 * The token as an HTTP header for `https` URLs of that origin only, through git's
 * environment-borne configuration (GIT_CONFIG_COUNT/KEY/VALUE, git ≥ 2.31): nothing in
 * argv (visible in `ps`), in the URL or in `.git/config`, and every process the run starts
 * (wl sync, an agent's `git push`) inherits it. `http.<origin>/.extraHeader` limits it to
 * that host; plain `http`, ssh and file URLs never get it. GitHub takes any user name
 * with a token as the password (`x-access-token` is its convention).
 */
export function gitAuthEnv(url: string, token: string | undefined): Record<string, string> {
  const origin = httpsOrigin(url);
  if (!token || !origin) return { ...NO_PROMPT };
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  // git's trace output (GIT_TRACE_CURL) would show the header, not the token.
  registerSecret(token);
  registerSecret(basic);
  return {
    ...NO_PROMPT,
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `http.${origin}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

function httpsOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" ? `https://${parsed.host}` : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the last `ERROR_EXCERPT` characters of a stream. */
function tail(): { push: (chunk: Buffer) => void; text: () => string } {
  let text = "";
  return {
    push: (chunk) => {
      text = (text + chunk.toString("utf8")).slice(-ERROR_EXCERPT);
    },
    text: () => text.trim(),
  };
}

/** A shallow clone with git from PATH, in its own process group, killed at the timeout. */
async function clone(req: GitCloneRequest): Promise<GitResult> {
  const git = findOnPath("git");
  if (!git) return { ok: false, error: "git is not on PATH" };
  const stderr = tail();
  const exit = await runProcess(git, cloneArgs(req), {
    cwd: req.dir,
    env: { ...process.env, ...req.env, ...NO_PROMPT },
    timeoutMs: req.timeoutMs,
    ...req.runAs,
    onStdout: () => {},
    onStderr: stderr.push,
  });
  if (exit.error) return { ok: false, error: `git could not start: ${exit.error.message}` };
  if (exit.timedOut) return { ok: false, error: `git clone timed out after ${req.timeoutMs} ms` };
  if (exit.code === 0) return { ok: true };
  const status = exit.code === null ? `signal ${exit.signal}` : `exit ${exit.code}`;
  return { ok: false, error: `git clone failed (${status}): ${stderr.text() || "no output"}` };
}

export const git: Git = { clone, authEnv: gitAuthEnv };
