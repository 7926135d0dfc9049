import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Command, RunRecord } from "../../core/command.js";

/** Output longer than this is summarized (or cut) before it goes to Discord. */
export const SUMMARY_THRESHOLD = 1000;
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

export type Summarizer = (text: string) => Promise<string | undefined>;

/**
 * `opencode run "summarize this content in under 1000 characters: …"`, as an argv element
 * (never a shell string), with a 30 s timeout. Undefined when opencode is not on PATH or
 * fails, so the caller falls back to cutting the text.
 */
export function opencodeSummarizer(timeoutMs = 30_000): Summarizer {
  return (text) => {
    const opencode = findOnPath("opencode");
    if (!opencode) return Promise.resolve(undefined);
    const prompt = `summarize this content in under ${SUMMARY_THRESHOLD} characters: ${text.slice(0, MAX_SUMMARY_INPUT)}`;
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

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n… (output truncated)`;
}

/** Text for Discord: as is up to SUMMARY_THRESHOLD characters, else summarized (or cut). */
export async function summarizedBody(text: string, summarize: Summarizer): Promise<string> {
  const output = text.trim();
  if (output.length <= SUMMARY_THRESHOLD) return output || "(no output)";
  return (await summarize(output)) ?? cut(output, SUMMARY_THRESHOLD);
}

/** The human-facing title of a command's messages: title, else metadata.discord_label, else id. */
export function commandTitle(command: Pick<Command, "id" | "title" | "metadata">): string {
  const label = command.metadata.discord_label;
  return command.title || (typeof label === "string" && label ? label : command.id);
}

const OUTCOME_NOTES: Partial<Record<RunRecord["outcome"], string>> = {
  failure: "_The command failed._",
  timeout: "_The command was stopped at its maximum runtime._",
  error: "_The command could not be run._",
  abandoned: "_The run was abandoned._",
};

/**
 * The message after a command run, as in the seed: `# <title>` then only human-facing
 * text — the output (summarized or cut when long) and a note when the run did not succeed.
 * No command ids, exit codes or host names.
 */
export async function commandMessage(
  command: Pick<Command, "id" | "title" | "metadata">,
  run: Pick<RunRecord, "output" | "outcome">,
  summarize: Summarizer,
): Promise<string> {
  const body = await summarizedBody(run.output, summarize);
  const note = OUTCOME_NOTES[run.outcome];
  return [`# ${commandTitle(command)}`, "", body, ...(note ? ["", note] : [])].join("\n");
}

export const HEARTBEAT_MESSAGE = "# AMPA Heartbeat";

export function startupMessage(wlStatus: string | undefined): string {
  const status = wlStatus?.trim();
  return [
    "# Scheduler Started",
    "",
    status ? `\`\`\`\n${status}\n\`\`\`` : "(wl status unavailable)",
  ].join("\n");
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
