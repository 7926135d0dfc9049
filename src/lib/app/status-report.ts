import { commandRuntime } from "./commands/registry.js";
import type { HeldBackItem } from "./worklog/attempts.js";
import type { Command, CommandType, RunOutcome, RunRecord, Runtime } from "../core/command.js";
import type { ActionRecord } from "../core/ports.js";
import type { RunHistory } from "../core/store-ports.js";
import { type UsageOnRecord, usageSums } from "../core/usage.js";
import {
  commandShares,
  isActive,
  isRunning,
  latenessMs,
  nextDueAt,
  rankDue,
  type SchedulerState,
  type SelectionOptions,
  score,
} from "../core/scheduler/select.js";
import { localLabel, windowState } from "../core/scheduler/windows.js";

/** `ampa status`: every command in the order the scheduler would start them. */

/** How many of the latest Discord actions status and the dashboard show. */
export const ACTIONS_SHOWN = 10;

export type StatusState = "due" | "waiting" | "outside" | "running" | "paused";

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
  /** Outside its active windows: when the next one opens. */
  outsideUntil: number | undefined;
  /** The zone of its windows and `at` times (UTC when it has none). */
  timeZone: string;
  /** now − (last start + interval); undefined when never run. */
  latenessMs: number | undefined;
  /** Selection score now (Infinity: never run); undefined while paused or running. */
  score: number | undefined;
  lease: LeaseStatus | undefined;
  /** Its ideal interval under the rule (water-filling); undefined while paused or outside. */
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
  /** Work items delegation holds back (escalated, or waiting out a backoff). */
  heldBack?: HeldBackItem[];
  /** The latest actions asked for from Discord, newest first. */
  actions?: ActionRecord[];
  /** What the runs on record used, per command and agent (`usageOnRecord`). */
  usage?: UsageOnRecord;
}

type Ideal = Map<string, { intervalMs: number; share: number }>;

/** Each unpaused command's ideal interval and share of the starts (water-filling). */
function ideals(
  commands: readonly Command[],
  opts: SelectionOptions,
  now: number,
): { ideal: Ideal; load: StatusReport["load"] } {
  const active = commands.filter((c) => isActive(c, now));
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

/** "outside its window until Mon 09:00 Europe/London". */
export function outsideLabel(until: number, timeZone: string): string {
  return Number.isFinite(until)
    ? `outside its window until ${localLabel(until, timeZone)}`
    : "outside its window";
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
  const window = windowState(c, now);
  const outsideUntil = window.inside ? undefined : window.until;
  const timeZone = c.timeZone ?? "UTC";
  const next = nextDueAt(c, now, opts) ?? now;
  return {
    idealIntervalMs: ideal?.intervalMs,
    idealShare: ideal?.share,
    why: state === "outside" ? outsideLabel(outsideUntil ?? Infinity, timeZone) : extra.why,
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
    nextDueAt: Number.isFinite(next) ? next : undefined,
    outsideUntil:
      outsideUntil !== undefined && Number.isFinite(outsideUntil) ? outsideUntil : undefined,
    timeZone,
    latenessMs: lateness !== null && Number.isFinite(lateness) ? lateness : undefined,
    score: state === "due" || state === "waiting" ? score(c, now, opts) : undefined,
    lease: leaseStatus(c, now, extra.defaultMaxRuntimeMinutes),
  };
}

/**
 * Due commands in the scheduler's own order (`rankDue`), then those waiting by when they
 * fall due, then those outside their windows by when one opens, then running ones by
 * lease expiry, then paused ones. The LLM check is not
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
  const { ideal, load } = ideals(commands, opts, now);
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
  const idle = commands.filter((c) => !c.paused && !isRunning(c, now) && !dueIds.has(c.id));
  const waiting = idle
    .filter((c) => isActive(c, now))
    .sort(
      (a, b) => (nextDueAt(a, now, opts) ?? now) - (nextDueAt(b, now, opts) ?? now) || byId(a, b),
    );
  const opensAt = (c: Command) => windowState(c, now).until;
  const outside = idle
    .filter((c) => !isActive(c, now))
    .sort((a, b) => opensAt(a) - opensAt(b) || byId(a, b));
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
      ...outside.map(as("outside")),
      ...running.map(as("running")),
      ...paused.map(as("paused")),
    ],
  };
}

/** Queries in flight at once when run histories are read (status, the dashboard). */
const RUN_QUERY_CONCURRENCY = 8;

/**
 * Each command's runs on record, RUN_QUERY_CONCURRENCY Queries at a time; a command that
 * never started has none and costs no Query.
 */
export async function runsOfCommands(
  store: Pick<RunHistory, "listRuns">,
  commands: readonly Pick<Command, "id" | "lastStartAt">[],
): Promise<[string, RunRecord[]][]> {
  const runsOf = async (c: Pick<Command, "id" | "lastStartAt">): Promise<[string, RunRecord[]]> => [
    c.id,
    c.lastStartAt === undefined ? [] : await store.listRuns(c.id),
  ];
  const runs: [string, RunRecord[]][] = [];
  for (let i = 0; i < commands.length; i += RUN_QUERY_CONCURRENCY)
    runs.push(...(await Promise.all(commands.slice(i, i + RUN_QUERY_CONCURRENCY).map(runsOf))));
  return runs;
}

/** What each command's runs on record used: the sums `ampa status` shows. */
export async function usageOnRecord(
  store: Pick<RunHistory, "listRuns">,
  commands: readonly Pick<Command, "id" | "lastStartAt">[],
  maxRunsPerCommand: number,
): Promise<UsageOnRecord> {
  return usageSums(await runsOfCommands(store, commands), maxRunsPerCommand);
}
