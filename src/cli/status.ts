import { commandRuntime, statusLabel } from "../lib/app/commands/registry.js";
import type { Command, CommandType, RunOutcome, Runtime } from "../lib/core/command.js";
import {
  commandShares,
  isRunning,
  latenessMs,
  nextDueAt,
  rankDue,
  type SchedulerState,
  type SelectionOptions,
  score,
} from "../lib/core/scheduler/select.js";
import { relative } from "./format.js";

/** `ampa status`: every command in the order the scheduler would start them. */

export type StatusState = "due" | "waiting" | "running" | "paused";

export interface StatusRow {
  id: string;
  type: CommandType;
  runtime: Runtime;
  frequencyMinutes: number;
  priority: number;
  paused: boolean;
  state: StatusState;
  lastStartAt: number | undefined;
  lastExitCode: number | undefined;
  lastOutcome: RunOutcome | undefined;
  /** When the command next counts as due; `now` for one that never ran. */
  nextDueAt: number | undefined;
  /** now − (last start + interval); undefined when never run. */
  latenessMs: number | undefined;
  /** Selection score now (Infinity: never run); undefined while paused or running. */
  score: number | undefined;
  lease: LeaseStatus | undefined;
  /** Its ideal interval under the rule (water-filling); undefined while paused. */
  idealIntervalMs: number | undefined;
  /** Its ideal fraction of all starts; undefined while paused. */
  idealShare: number | undefined;
  /** Why it is, or is not, what the tick would start now. */
  why: string;
}

export interface LeaseStatus {
  runId: string;
  owner: string | undefined;
  expiresAt: number;
  expired: boolean;
  /** Who runs it (Lambda request id, ECS task ARN, local pid); undefined until it starts. */
  worker: string | undefined;
  renewedAt: number | undefined;
  renewals: number;
  /** When its max runtime ends the run (it is killed then). */
  killAt: number | undefined;
}

export interface StatusReport {
  now: number;
  globalMinIntervalMs: number;
  lastGlobalStartAt: number | undefined;
  nextStartAllowedAt: number;
  /** Starts a minute the unpaused commands want, and whether that fits the capacity. */
  load: { wantedPerMinute: number; capacityPerMinute: number; fits: boolean };
  rows: StatusRow[];
}

type Ideal = Map<string, { intervalMs: number; share: number }>;

/** Each unpaused command's ideal interval and share of the starts (water-filling). */
function ideals(
  commands: readonly Command[],
  opts: SelectionOptions,
): { ideal: Ideal; load: StatusReport["load"] } {
  const active = commands.filter((c) => !c.paused);
  const capacityPerMs = 1 / Math.max(opts.globalMinIntervalMs, 1);
  const share = commandShares(active, opts.priorityWeight, capacityPerMs);
  const total = share.commands.reduce((n, e) => n + e.rate, 0);
  const ideal: Ideal = new Map(
    share.commands.map((e) => [e.id, { intervalMs: e.idealIntervalMs, share: e.rate / total }]),
  );
  const perMinute = (perMs: number) => perMs * 60_000;
  return {
    ideal,
    load: {
      wantedPerMinute: perMinute(share.wantedPerMs),
      capacityPerMinute: perMinute(capacityPerMs),
      fits: share.fits,
    },
  };
}

function why(state: StatusState, position: number, fits: boolean, first?: string): string {
  if (state === "paused") return "paused";
  if (state === "running") return "running: its lease is held";
  if (state === "waiting") return "not due yet";
  if (position === 0)
    return fits ? "next: the earliest due time" : "next: the earliest virtual finish";
  return fits
    ? `due, after ${first} (due earlier)`
    : `due, after ${first} (earlier virtual finish)`;
}

/** The run holding the command's lease, as status shows it. */
function leaseStatus(
  c: Command,
  now: number,
  defaultMaxRuntimeMinutes: number | undefined,
): LeaseStatus | undefined {
  if (c.leaseRunId === undefined) return undefined;
  const maxMinutes = c.maxRuntimeMinutes ?? defaultMaxRuntimeMinutes;
  const startedAt = c.lastRunId === c.leaseRunId ? c.lastStartAt : undefined;
  return {
    runId: c.leaseRunId,
    owner: c.leaseOwner,
    expiresAt: c.leaseExpiresAt ?? 0,
    expired: !isRunning(c, now),
    worker: c.leaseWorker,
    renewedAt: c.leaseRenewedAt,
    renewals: c.leaseRenewals ?? 0,
    killAt:
      startedAt === undefined || maxMinutes === undefined
        ? undefined
        : startedAt + maxMinutes * 60_000,
  };
}

function row(
  c: Command,
  now: number,
  opts: SelectionOptions,
  state: StatusState,
  extra: { ideal: Ideal; why: string; defaultMaxRuntimeMinutes: number | undefined },
): StatusRow {
  const lateness = latenessMs(c, now);
  const ideal = extra.ideal.get(c.id);
  return {
    idealIntervalMs: ideal?.intervalMs,
    idealShare: ideal?.share,
    why: extra.why,
    id: c.id,
    type: c.type,
    runtime: commandRuntime(c),
    frequencyMinutes: c.frequencyMinutes,
    priority: c.priority,
    paused: c.paused,
    state,
    lastStartAt: c.lastStartAt,
    lastExitCode: c.lastExitCode,
    lastOutcome: c.lastOutcome,
    nextDueAt: nextDueAt(c, opts) ?? now,
    latenessMs: lateness ?? undefined,
    score: state === "due" || state === "waiting" ? score(c, now, opts) : undefined,
    lease: leaseStatus(c, now, extra.defaultMaxRuntimeMinutes),
  };
}

/**
 * Due commands in the scheduler's own order (`rankDue`), then those waiting by when they
 * fall due, then running ones by lease expiry, then paused ones. The LLM check is not
 * made here: a due command that needs it may still be skipped by the tick.
 */
export function statusReport(
  commands: readonly Command[],
  now: number,
  opts: SelectionOptions,
  lastGlobalStartAt: number | undefined,
  scheduler: SchedulerState = { lastGlobalStartAt },
  defaultMaxRuntimeMinutes?: number,
): StatusReport {
  const { candidates: due, fits } = rankDue(commands, now, opts, scheduler);
  const { ideal, load } = ideals(commands, opts);
  const first = due[0]?.command.id;
  const as =
    (state: StatusState) =>
    (c: Command, i: number): StatusRow =>
      row(c, now, opts, state, {
        ideal,
        why: why(state, i, fits, first),
        defaultMaxRuntimeMinutes,
      });
  const dueIds = new Set(due.map((r) => r.command.id));
  const byId = (a: Command, b: Command) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const waiting = commands
    .filter((c) => !c.paused && !isRunning(c, now) && !dueIds.has(c.id))
    .sort((a, b) => (nextDueAt(a, opts) ?? now) - (nextDueAt(b, opts) ?? now) || byId(a, b));
  const running = commands
    .filter((c) => !c.paused && isRunning(c, now))
    .sort((a, b) => (a.leaseExpiresAt ?? 0) - (b.leaseExpiresAt ?? 0) || byId(a, b));
  const paused = commands.filter((c) => c.paused).sort(byId);
  return {
    now,
    globalMinIntervalMs: opts.globalMinIntervalMs,
    lastGlobalStartAt,
    nextStartAllowedAt: Math.max(now, (lastGlobalStartAt ?? now) + opts.globalMinIntervalMs),
    load,
    rows: [
      ...due.map((r) => r.command).map(as("due")),
      ...waiting.map(as("waiting")),
      ...running.map(as("running")),
      ...paused.map(as("paused")),
    ],
  };
}

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
    if (r.lease)
      for (const text of leaseLines(r.lease, r.runtime, now))
        lines.push(cell(`  └ ${text}`, 80).trimEnd());
  }
  if (report.rows.length === 0) lines.push("(no commands)");
  return lines.join("\n");
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
  };
}
