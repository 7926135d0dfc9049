import type { Command, RunRecord } from "../../core/command.js";
import type { Summarizer } from "../../core/ports.js";
import { redactSecrets } from "../../core/secrets.js";
import { postableText } from "../../core/untrusted-text.js";

/** Output longer than this is summarized (or cut) before it goes to Discord. */
export const SUMMARY_THRESHOLD = 1000;

export type { Summarizer } from "../../core/ports.js";

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n… (output truncated)`;
}

/**
 * Text for Discord: as is up to SUMMARY_THRESHOLD characters, else summarized (or cut).
 * Redacted first: the summarizer is a program that must never see a secret either.
 */
export async function summarizedBody(text: string, summarize?: Summarizer): Promise<string> {
  const output = redactSecrets(text).trim();
  if (output.length <= SUMMARY_THRESHOLD) return output || "(no output)";
  return (await summarize?.(output)) ?? cut(output, SUMMARY_THRESHOLD);
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
  summarize?: Summarizer,
): Promise<string> {
  const body = postableOutput(await summarizedBody(run.output, summarize));
  const note = OUTCOME_NOTES[run.outcome];
  return [`# ${commandTitle(command)}`, "", body, ...(note ? ["", note] : [])].join("\n");
}

/** Program output (or its summary) is outside text: neutralised under the command's title. */
const postableOutput = (body: string): string => postableText(body, { multiline: true });

export const HEARTBEAT_MESSAGE = "# AMPA Heartbeat";

export function startupMessage(wlStatus: string | undefined): string {
  const status = wlStatus?.trim();
  return [
    "# Scheduler Started",
    "",
    status
      ? `\`\`\`\n${postableText(status, { codeBlock: true, multiline: true })}\n\`\`\``
      : "(wl status unavailable)",
  ].join("\n");
}
