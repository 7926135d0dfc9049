import type { Command } from "../../core/command.js";
import type { Action } from "../../core/discord/slash-commands.js";
import type {
  CommandStore,
  DeadLetterStore,
  RunHistory,
  SchedulerStore,
} from "../../core/ports.js";
import { postableText } from "../../core/untrusted-text.js";
import { type StatusRow, statusReport } from "../status-report.js";
import { selectionOptions, type SelectionSettings } from "../tick.js";

/**
 * The answers to the read-only slash commands (`status`, `why`, `logs`, `deadletters`),
 * as Discord markdown. Command ids are the operator's; run output is outside text.
 */

export interface ReadDeps {
  store: CommandStore & SchedulerStore & RunHistory & Pick<DeadLetterStore, "listDeadLetters">;
  settings: SelectionSettings & { defaultMaxRuntimeMinutes: number };
}

/** Rows shown by `/ampa status` (Discord's 2,000 characters hold about this many). */
const STATUS_ROWS = 15;
/** Lines of the latest run's output shown by `/ampa logs`. */
const LOG_LINES = 20;

async function report(deps: ReadDeps, now: number) {
  const { commands } = await deps.store.listCommands();
  const scheduler = await deps.store.getSchedulerState();
  const { settings } = deps;
  return statusReport(
    commands,
    now,
    selectionOptions(settings),
    scheduler.lastGlobalStartAt,
    scheduler,
    settings.defaultMaxRuntimeMinutes,
  );
}

const rowLine = (r: StatusRow) => `\`${r.id}\` ${r.state}: ${r.why}`;

async function statusText(deps: ReadDeps, now: number): Promise<string> {
  const { rows } = await report(deps, now);
  if (rows.length === 0) return "No commands.";
  const shown = rows.slice(0, STATUS_ROWS).map(rowLine);
  const more = rows.length > STATUS_ROWS ? [`… and ${rows.length - STATUS_ROWS} more`] : [];
  return ["**AMPA status**", ...shown, ...more].join("\n");
}

async function whyText(deps: ReadDeps, id: string, now: number): Promise<string> {
  const row = (await report(deps, now)).rows.find((r) => r.id === id);
  if (!row) return `No command \`${id}\`.`;
  const last = row.lastStartAt
    ? `; last start ${new Date(row.lastStartAt).toISOString()} (${row.lastOutcome ?? "running"})`
    : "; never run";
  return `${rowLine(row)}${last}`;
}

/** Runs searched for the one a Show output button names (the newest first). */
const RUNS_SEARCHED = 50;

async function logsText(deps: ReadDeps, id: string, runId?: string): Promise<string> {
  const runs = await deps.store.listRuns(id, runId ? RUNS_SEARCHED : 1);
  const run = runId ? runs.find((r) => r.runId === runId) : runs[0];
  if (!run) return runId ? `That run of \`${id}\` is no longer kept.` : `No runs of \`${id}\`.`;
  const lines = run.output.split("\n");
  const tail = lines.slice(-LOG_LINES).join("\n").trimEnd();
  const head = `\`${id}\` ${run.outcome} (exit ${run.exitCode ?? "none"}) at ${new Date(run.startedAt).toISOString()}`;
  return tail
    ? `${head}\n\`\`\`\n${postableText(tail, { multiline: true, codeBlock: true })}\n\`\`\``
    : `${head}: no output`;
}

async function deadLettersText(deps: ReadDeps): Promise<string> {
  const letters = await deps.store.listDeadLetters();
  if (letters.length === 0) return "No dead letters.";
  const oldest = letters[0] ? new Date(letters[0].createdAt).toISOString() : "";
  return `${letters.length} dead letter(s), the oldest from ${oldest}. \`/ampa deadletters redrive:True\` resends them.`;
}

/** The answer to a read-only action. */
export function readAnswer(
  deps: ReadDeps,
  action: Extract<Action, { name: "status" | "why" | "logs" | "deadletters" }>,
  now: number,
): Promise<string> {
  switch (action.name) {
    case "status":
      return statusText(deps, now);
    case "why":
      return whyText(deps, action.id, now);
    case "logs":
      return logsText(deps, action.id, action.runId);
    case "deadletters":
      return deadLettersText(deps);
  }
}

/** The command ids starting with `prefix`, for autocomplete (Discord shows 25). */
export function idsStartingWith(commands: readonly Command[], prefix: string): string[] {
  const p = prefix.toLowerCase();
  return commands
    .map((c) => c.id)
    .filter((id) => id.toLowerCase().startsWith(p))
    .sort()
    .slice(0, 25);
}
