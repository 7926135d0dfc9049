import { commandRuntime } from "../lib/app/commands/registry.js";
import type { Command, RunRecord } from "../lib/core/command.js";

/** "3m ago", "in 45s": short relative times for an 80-column terminal. */
export function relative(at: number | undefined, now: number): string {
  if (at === undefined) return "never";
  const seconds = Math.round((at - now) / 1000);
  const abs = Math.abs(seconds);
  const text =
    abs < 60
      ? `${abs}s`
      : abs < 3600
        ? `${Math.round(abs / 60)}m`
        : abs < 86_400
          ? `${Math.round(abs / 3600)}h`
          : `${Math.round(abs / 86_400)}d`;
  return seconds <= 0 ? `${text} ago` : `in ${text}`;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** The JSON shape of a command for scripts: times as ISO strings. */
export function commandToJson(c: Command): Record<string, unknown> {
  return {
    id: c.id,
    type: c.type,
    command: c.command,
    title: c.title ?? null,
    frequencyMinutes: c.frequencyMinutes,
    priority: c.priority,
    requiresLlm: c.requiresLlm,
    maxRuntimeMinutes: c.maxRuntimeMinutes,
    runtime: commandRuntime(c),
    active: c.active ?? null,
    at: c.at ?? null,
    timeZone: c.timeZone ?? null,
    metadata: c.metadata,
    paused: c.paused,
    lastStartAt: iso(c.lastStartAt),
    lastEndAt: iso(c.lastEndAt),
    lastExitCode: c.lastExitCode ?? null,
    lastDurationMs: c.lastDurationMs ?? null,
    lastOutcome: c.lastOutcome ?? null,
    lease: c.leaseRunId
      ? {
          runId: c.leaseRunId,
          owner: c.leaseOwner ?? null,
          expiresAt: iso(c.leaseExpiresAt),
          worker: c.leaseWorker ?? null,
          renewedAt: iso(c.leaseRenewedAt),
          renewals: c.leaseRenewals ?? 0,
        }
      : null,
  };
}

function cut(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`;
}

/** A table that fits 80 columns. */
export function commandTable(commands: readonly Command[], now: number): string {
  const header = `${cut("ID", 20)} ${cut("TYPE", 12)} ${cut("EVERY", 6)} ${cut("PRI", 4)} ${cut("STATE", 7)} ${cut("LAST START", 10)} ${cut("EXIT", 4)} ${"OUTCOME"}`;
  const rows = commands.map((c) => {
    const state = c.paused
      ? "paused"
      : c.leaseRunId && (c.leaseExpiresAt ?? 0) >= now
        ? "running"
        : "ready";
    return [
      cut(c.id, 20),
      cut(c.type, 12),
      cut(`${c.frequencyMinutes}m`, 6),
      cut(String(c.priority), 4),
      cut(state, 7),
      cut(relative(c.lastStartAt, now), 10),
      cut(c.lastExitCode === undefined ? "-" : String(c.lastExitCode), 4),
      c.lastOutcome ?? "-",
    ].join(" ");
  });
  return [header, ...rows].join("\n");
}

/**
 * Text for the terminal with control and format characters escaped (`\u001b`), newlines
 * kept: an id, key or title from the table, a file or wl cannot clear the screen, recolour
 * it or reverse the direction of what follows.
 */
export function printable(text: string): string {
  return text.replace(
    /(?!\n)[\p{Cc}\p{Cf}]/gu,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}

/** The JSON shape of one run for scripts: what `ampa run-once --json` prints. */
export function runToJson(run: RunRecord): Record<string, unknown> {
  return {
    commandId: run.commandId,
    runId: run.runId,
    trigger: run.trigger,
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    durationMs: run.durationMs,
    exitCode: run.exitCode,
    outcome: run.outcome,
    output: run.output,
    outputTruncatedBytes: run.outputTruncatedBytes,
    late: run.late ?? false,
    agentUsage: run.agentUsage ?? null,
    compute: run.compute ?? null,
  };
}

/**
 * JSON text with control and format characters written as `\uXXXX` escapes (UTF-16 code
 * units, so astral ones too): the same JSON value, safe to show on a terminal. Newlines
 * in the text are JSON's own indentation; those inside strings are escaped already.
 */
export function terminalSafeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(/(?!\n)[\p{Cc}\p{Cf}]/gu, (c) =>
    Array.from(
      { length: c.length },
      (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`,
    ).join(""),
  );
}
