import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Summarizer } from "../../core/ports.js";

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

/**
 * `opencode run "summarize this content in under 1000 characters: …"`, as an argv element
 * (never a shell string), with a 30 s timeout. Undefined when opencode is not on PATH or
 * fails, so the caller falls back to cutting the text.
 */
export function opencodeSummarizer(timeoutMs = 30_000, maxCharacters = 1000): Summarizer {
  return (text) => {
    const opencode = findOnPath("opencode");
    if (!opencode) return Promise.resolve(undefined);
    const prompt = `summarize this content in under ${maxCharacters} characters: ${text.slice(0, MAX_SUMMARY_INPUT)}`;
    return new Promise((resolve) => {
      execFile(
        opencode,
        ["run", prompt],
        { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1024 * 1024 },
        (error, stdout) => {
          const summary = stdout.trim();
          resolve(error || !summary ? undefined : summary);
        },
      );
    });
  };
}

/** Plain `wl status` for the startup message; undefined when wl is missing or fails. */
export function readWlStatus(timeoutMs = 10_000): Promise<string | undefined> {
  const wl = findOnPath("wl");
  if (!wl) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile(wl, ["status"], { timeout: timeoutMs, killSignal: "SIGKILL" }, (error, stdout) =>
      resolve(error ? undefined : stdout),
    );
  });
}
