import { statusLabel } from "../lib/app/commands/registry.js";
import type { Runtime } from "../lib/core/command.js";
import type { HeldBackItem } from "../lib/app/worklog/attempts.js";
import type { ActionRecord } from "../lib/core/ports.js";
import type { UsageOnRecord } from "../lib/core/usage.js";
import { printable, relative } from "./format.js";
import type { LeaseStatus, StatusReport, StatusRow } from "./status.js";

/** `ampa status` as people and scripts read it: the 80-column table and the JSON. */

/** 45s, 12m, 3h, 2d. */
export function shortDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

export function every(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

export function formatScore(value: number | undefined): string {
  if (value === undefined) return "-";
  if (!Number.isFinite(value)) return "new";
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  if (value < 1000) return value.toFixed(0);
  if (value < 999_500) return `${Math.round(value / 1000)}k`;
  return value.toExponential(0).replace("+", "");
}

function cell(text: string, width: number, align: "left" | "right" = "left"): string {
  if (text.length > width) return `${text.slice(0, width - 1)}…`;
  return align === "left" ? text.padEnd(width) : text.padStart(width);
}

const COLUMNS = [
  ["ID", 16],
  ["TYPE", 10],
  ["EVERY", 5],
  ["PRI", 3],
  ["STATE", 7],
  ["STARTED", 8],
  ["EXIT", 4],
  ["NEXT DUE", 8],
  ["LATE", 5],
  ["SCORE", 5],
] as const;
const RIGHT = new Set(["EVERY", "PRI", "EXIT", "LATE", "SCORE"]);

function line(values: readonly string[]): string {
  return COLUMNS.map(([name, width], i) =>
    cell(values[i] ?? "", width, RIGHT.has(name) ? "right" : "left"),
  )
    .join(" ")
    .trimEnd();
}

/** When the row's command is next due, for people: "-" while paused, "now" once due. */
export function nextDueLabel(r: StatusRow, now: number): string {
  if (r.state === "paused") return "-";
  return r.nextDueAt === undefined || r.nextDueAt <= now ? "now" : relative(r.nextDueAt, now);
}

/** The row's lateness with its sign ("+2m" behind, "-30s" early), "-" when unknown. */
export function latenessLabel({ latenessMs: ms }: StatusRow): string {
  return ms === undefined ? "-" : `${ms > 0 ? "+" : ms < 0 ? "-" : ""}${shortDuration(ms)}`;
}

/** The cells of one row, as the table shows them. */
export function statusCells(r: StatusRow, now: number): string[] {
  return [
    r.id,
    statusLabel(r.type),
    every(r.frequencyMinutes),
    String(r.priority),
    r.state,
    relative(r.lastStartAt, now),
    r.lastExitCode === undefined ? "-" : String(r.lastExitCode),
    nextDueLabel(r, now),
    latenessLabel(r),
    formatScore(r.score),
  ];
}

/** A lease under its row: who holds it and until when; who runs it, renewals, time left. */
function leaseLines(lease: LeaseStatus, runtime: Runtime, now: number): string[] {
  const owner = lease.owner ?? "unknown";
  if (lease.expired)
    return [
      `lease of ${owner} expired ${relative(lease.expiresAt, now)}: the next tick records it abandoned`,
    ];
  const until = `${relative(lease.expiresAt, now)} (${new Date(lease.expiresAt).toISOString().slice(11, 19)} UTC)`;
  if (lease.worker === undefined)
    return [`lease: ${owner} until ${until}; ${runtime} run not started yet`];
  const renewed =
    lease.renewedAt === undefined
      ? ""
      : `, renewed ${relative(lease.renewedAt, now)} (${lease.renewals}×)`;
  const left = lease.killAt === undefined ? "" : `; ${hoursMinutes(lease.killAt - now)} left`;
  return [`lease expires ${until}${renewed}${left}`, `${runtime} ${lease.worker}`];
}

/** 45s, 12m, 1h30m: the time a long run has left, to the minute. */
function hoursMinutes(ms: number): string {
  const minutes = Math.floor(Math.max(ms, 0) / 60_000);
  if (minutes < 60) return shortDuration(Math.max(ms, 0));
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** The report as text that fits 80 columns; a lease goes on its own line under its row. */
export function statusTable(report: StatusReport): string {
  const { now } = report;
  const last =
    report.lastGlobalStartAt === undefined
      ? "no start yet"
      : `last start ${relative(report.lastGlobalStartAt, now)}`;
  const next =
    report.nextStartAllowedAt <= now
      ? "a start is allowed now"
      : `next start allowed ${relative(report.nextStartAllowedAt, now)}`;
  const { load } = report;
  const wanted = `${load.wantedPerMinute.toFixed(2)}/min wanted of ${load.capacityPerMinute.toFixed(2)}`;
  const lines = [
    `Global minimum ${shortDuration(report.globalMinIntervalMs)}: ${last}, ${next}.`,
    load.fits
      ? `Load fits (${wanted}): every command on time.`
      : `Overloaded (${wanted}): shared by weight (water-filling).`,
    line(COLUMNS.map(([name]) => name)),
  ];
  const top = report.rows[0];
  if (top?.state === "due")
    lines.splice(2, 0, cell(`Next: ${top.id} (${top.why.replace(/^next: /, "")}).`, 80).trimEnd());
  for (const r of report.rows) {
    lines.push(line(statusCells(r, now)));
    if (r.state === "outside") lines.push(cell(`  └ ${r.why}`, 80).trimEnd());
    if (r.lease)
      for (const text of leaseLines(r.lease, r.runtime, now))
        lines.push(cell(`  └ ${text}`, 80).trimEnd());
  }
  if (report.rows.length === 0) lines.push("(no commands)");
  lines.push(...heldBackLines(report.heldBack ?? [], now));
  lines.push(...actionLines(report.actions ?? []));
  if (report.usage) lines.push(...usageLines(report.usage));
  return lines.join("\n");
}

/** What the usage sums are over, in the words status, its JSON and the dashboard use. */
export function usageNote(usage: Pick<UsageOnRecord, "maxRunsPerCommand">): string {
  return `sums over the runs on record (the newest ${usage.maxRunsPerCommand} of each command); the /metrics counters count since the metrics began`;
}

/** 950, 12.3k, 4.56M tokens. */
export function tokenCount(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

/** $12.34, $0.0421 (four decimals below a dollar); "no cost reported" without one. */
export function usdLabel(usd: number | undefined): string {
  if (usd === undefined) return "no cost reported";
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

/** A sum of seconds as hours: 1.50 (vCPU-hours, GB-hours). */
export const hoursLabel = (seconds: number): string => (seconds / 3600).toFixed(2);

/** What the runs on record used, a line per command and agent, and per command's tasks. */
function usageLines(usage: UsageOnRecord): string[] {
  if (usage.commands.length === 0) return [];
  const lines: string[] = [];
  for (const u of usage.commands) {
    const id = printable(u.commandId);
    for (const a of u.agents)
      lines.push(
        `  ${id} ${printable(a.agent)}: ${a.runs} of ${u.runs} runs, ${tokenCount(a.inputTokens)} tokens in, ${tokenCount(a.outputTokens)} out, ${usdLabel(a.costUsd)}`,
      );
    if (u.compute)
      lines.push(
        `  ${id} task compute: ${u.compute.runs} of ${u.runs} runs, ${hoursLabel(u.compute.vcpuSeconds)} vCPU-hours, ${hoursLabel(u.compute.gbSeconds)} GB-hours`,
      );
  }
  return [
    "",
    `Usage, summed over the runs on record (the newest ${usage.maxRunsPerCommand} of each command;`,
    "the /metrics counters count since the metrics began):",
    ...lines.map((l) => cell(l, 80).trimEnd()),
  ];
}

/** `--json`'s usage: the sums, unrounded, with what they are over. */
function usageJson(usage: UsageOnRecord): Record<string, unknown> {
  return {
    note: usageNote(usage),
    maxRunsPerCommand: usage.maxRunsPerCommand,
    commands: usage.commands.map((u) => ({
      id: u.commandId,
      runs: u.runs,
      agents: u.agents.map((a) => ({ ...a, costUsd: a.costUsd ?? null })),
      compute: u.compute ?? null,
    })),
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** `ampa status --json`. Times are ISO strings; a never-run command has score null. */
export function statusJson(report: StatusReport): Record<string, unknown> {
  return {
    now: iso(report.now),
    globalMinIntervalSeconds: report.globalMinIntervalMs / 1000,
    lastGlobalStartAt: iso(report.lastGlobalStartAt),
    nextStartAllowedAt: iso(report.nextStartAllowedAt),
    load: report.load,
    commands: report.rows.map((r, i) => ({
      order: i + 1,
      id: r.id,
      type: r.type,
      runtime: r.runtime,
      frequencyMinutes: r.frequencyMinutes,
      priority: r.priority,
      paused: r.paused,
      state: r.state,
      lastStartAt: iso(r.lastStartAt),
      lastExitCode: r.lastExitCode ?? null,
      lastOutcome: r.lastOutcome ?? null,
      nextDueAt: r.state === "paused" ? null : iso(r.nextDueAt),
      outsideUntil: iso(r.outsideUntil),
      latenessSeconds: r.latenessMs === undefined ? null : r.latenessMs / 1000,
      score: r.score === undefined || !Number.isFinite(r.score) ? null : r.score,
      idealIntervalSeconds: r.idealIntervalMs === undefined ? null : r.idealIntervalMs / 1000,
      idealShare: r.idealShare ?? null,
      why: r.why,
      neverRun: r.lastStartAt === undefined,
      lease: r.lease
        ? {
            runId: r.lease.runId,
            owner: r.lease.owner ?? null,
            expiresAt: iso(r.lease.expiresAt),
            expired: r.lease.expired,
            worker: r.lease.worker ?? null,
            renewedAt: iso(r.lease.renewedAt),
            renewals: r.lease.renewals,
            killAt: iso(r.lease.killAt),
          }
        : null,
    })),
    heldBack: (report.heldBack ?? []).map((h) => ({
      workItemId: h.workItemId,
      action: h.action,
      stage: h.stage,
      state: h.state,
      attempts: h.attempts,
      runs: h.runs,
      [h.state === "escalated" ? "escalatedAt" : "retryAt"]: iso(h.at),
    })),
    actions: (report.actions ?? []).map((a) => ({
      at: iso(a.at),
      action: a.action,
      commandId: a.commandId ?? null,
      workItemId: a.workItemId ?? null,
      pullRequest: a.pullRequest ?? null,
      runId: a.runId ?? null,
      userId: a.userId,
      userName: a.userName,
      outcome: a.outcome,
      detail: a.detail ?? null,
      interactionId: a.interactionId,
      channelId: a.channelId ?? null,
      messageId: a.messageId ?? null,
      finishedAt: iso(a.finishedAt),
    })),
    usage: report.usage ? usageJson(report.usage) : null,
  };
}

/** What an action was about: a command, a work item or a PR (or nothing: status, redrive). */
export const actionSubject = (a: ActionRecord): string =>
  a.commandId ?? a.workItemId ?? a.pullRequest ?? "";

/** The latest Discord actions; user names are Discord's (outside text): printable only. */
function actionLines(actions: readonly ActionRecord[]): string[] {
  if (actions.length === 0) return [];
  return [
    "",
    "Latest actions from Discord:",
    ...actions.map((a) =>
      cell(
        printable(
          `  ${new Date(a.at).toISOString()} ${a.userName} (${a.userId}) ${a.action}${actionSubject(a) ? ` ${actionSubject(a)}` : ""}: ${a.outcome}`,
        ),
        80,
      ).trimEnd(),
    ),
  ];
}

/** Work items delegation holds back; ids and runs are printable (they passed the id check). */
function heldBackLines(held: readonly HeldBackItem[], now: number): string[] {
  if (held.length === 0) return [];
  return [
    "",
    "Work items held back by delegation:",
    ...held.map((h) => {
      const what = `  ${printable(h.workItemId)} ${printable(h.action)} at ${printable(h.stage)}`;
      const line =
        h.state === "escalated"
          ? `${what}: escalated ${shortDuration(now - h.at)} ago (${h.attempts} tries), waits for a person`
          : `${what}: ${h.attempts} ${h.attempts === 1 ? "try" : "tries"} did not move it, next in ${shortDuration(h.at - now)}`;
      return cell(line, 80).trimEnd();
    }),
  ];
}
