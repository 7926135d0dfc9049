import type { Command } from "../command.js";
import type { ScheduledCommand } from "../scheduled-command.js";
import { type FairShare, fairShare, fairShareWeight } from "./fair-share.js";
import { calendarOf, windowState } from "./windows.js";

/**
 * The scheduling rule, pure: data and a time in, data out. No I/O, no clock reads.
 *
 * Capacity is one start per global minimum interval. Command i wants a start every I_i
 * and has weight w_i = 1 + priorityWeight × priority_i. The rule is eligibility plus
 * virtual time, the shape of stride scheduling / WF²Q+ / EEVDF:
 *
 * - **Eligible** only when its own schedule makes it due: at its anchored due time
 *   (minus the half-period tolerance), and never sooner than half an interval after its
 *   last start. So it never runs faster than asked.
 * - **Anchored**: each start moves the due time on by exactly one interval from the
 *   previous due time, so a start delayed by a collision is followed by a shorter gap and
 *   the mean interval is the desired one. A start more than half an interval late (a
 *   pause, an LLM outage, overload) is not caught up: the next due time is one interval
 *   after it. A backlog therefore never becomes a burst, and time a command could not
 *   run is not owed.
 * - **Weighted-fair among the eligible**: each start advances the command's virtual
 *   finish by its stride I_i / w_i; the eligible command with the earliest next virtual
 *   finish goes first. Under overload every command that is always eligible then gets
 *   starts in proportion to w_i / I_i, and the eligibility cap hands what a command
 *   cannot use to the others: weighted max-min fairness (water-filling).
 * - **Virtual time** advances with real time at the water level λ of the commands not
 *   paused (the rate at which a fairly served command's virtual finish advances; 1 / the
 *   smallest weight when the load fits). A start never begins more than one stride
 *   behind it: a command that was away (added, resumed, LLM back) or could not use its
 *   share joins at the current fair position, with no credit saved while it could not
 *   run, and a command that keeps waiting keeps its place.
 * - **Windows** (windows.ts): outside its active windows a command is treated as paused:
 *   not eligible, not part of the load, owed nothing. When a window opens it is due at
 *   once if its anchor passed meanwhile, and the catch-up cap above keeps that to one start.
 * - **`at` times** replace the interval: the command is due at each occurrence, never
 *   early, and owes it until halfway to the next occurrence; a later tick skips it. It is
 *   worked out from the last start each time, so editing the times needs no anchor.
 */
export interface SelectionOptions {
  priorityWeight: number;
  globalMinIntervalMs: number;
  dueToleranceMs: number;
}

/** The scheduler-wide state the rule reads (the GLOBAL/SCHEDULER item). */
export interface SchedulerState {
  lastGlobalStartAt?: number | undefined;
  /** The virtual time at the last scheduled start; 0 before the first. */
  virtualTime?: number | undefined;
  /** When `virtualTime` was taken (the last scheduled start). */
  virtualTimeAt?: number | undefined;
}

export interface RankedCommand<C extends ScheduledCommand = Command> {
  command: C;
  /** Its due time when ranked (dueAt); null when it never ran. */
  dueAt: number | null;
  /** The virtual finish a start now would give it; smaller goes first. */
  virtualFinish: number;
  /** now − due time; null when it never ran (due at once). */
  latenessMs: number | null;
  /** Normalized lateness × weight, for people: how far behind it is for its weight. */
  score: number;
}

export type Decision<C extends ScheduledCommand = Command> =
  | { kind: "start"; candidates: RankedCommand<C>[]; virtualTime: number }
  | { kind: "wait-global"; nextStartAllowedAt: number }
  | { kind: "idle"; nextDueAt: number | null; paused: number; running: number };

/** What a start leaves on the command (written by its lease claim) and on the scheduler. */
export interface StartState {
  dueAt: number;
  virtualFinish: number;
  /** The scheduler's virtual time after this start (written by the global slot claim). */
  virtualTime: number;
}

export function intervalMs(command: Pick<Command, "frequencyMinutes">): number {
  return command.frequencyMinutes * 60_000;
}

/** 1 + priorityWeight × priority: the command's share under overload, per desired start. */
export function weight(command: Pick<Command, "priority">, priorityWeight: number): number {
  return fairShareWeight(command.priority, priorityWeight);
}

/** The water-filling shares of `commands` at `capacityPerMs` starts per ms. */
export function commandShares(
  commands: readonly Pick<Command, "id" | "frequencyMinutes" | "priority">[],
  priorityWeight: number,
  capacityPerMs: number,
): FairShare {
  return fairShare(
    commands.map((c) => ({
      id: c.id,
      intervalMs: intervalMs(c),
      weight: weight(c, priorityWeight),
    })),
    capacityPerMs,
  );
}

/** Virtual time one start costs the command: its interval over its weight. */
export function strideMs(
  command: Pick<Command, "frequencyMinutes" | "priority">,
  priorityWeight: number,
): number {
  return intervalMs(command) / weight(command, priorityWeight);
}

/** True while a run holds the command's lease and the lease has not expired. */
export function isRunning(command: ScheduledCommand, now: number): boolean {
  return command.leaseRunId !== undefined && (command.leaseExpiresAt ?? 0) >= now;
}

/** Neither paused nor outside its windows: it counts in the load and may fall due. */
export function isActive(command: ScheduledCommand, now: number): boolean {
  return !command.paused && windowState(command, now).inside;
}

const hasAt = (command: ScheduledCommand) => command.at !== undefined && command.at.length > 0;

/**
 * The command's due time at `now`: its `at` occurrence owed, else its anchor, else one
 * interval after its last start (a command imported or written before anchors existed),
 * else null: it never ran and is due now.
 */
export function dueAt(command: ScheduledCommand, now: number): number | null {
  if (hasAt(command)) {
    // Owed since its last start, else since it was added (an import has neither: from now).
    const since = command.lastStartAt ?? command.createdAt ?? now - 1;
    return calendarOf(command)?.owedAt(since, now) ?? Number.POSITIVE_INFINITY;
  }
  if (command.dueAt !== undefined) return command.dueAt;
  return command.lastStartAt === undefined ? null : command.lastStartAt + intervalMs(command);
}

export function latenessMs(command: ScheduledCommand, now: number): number | null {
  const due = dueAt(command, now);
  return due === null ? null : now - due;
}

/**
 * The earliest time the command may start, windows aside: due (with the tolerance), and
 * not within half its interval; an `at` command at its occurrence, never early.
 */
export function eligibleAt(
  command: ScheduledCommand,
  opts: Pick<SelectionOptions, "dueToleranceMs">,
  now: number,
): number | null {
  const due = dueAt(command, now);
  if (due === null) return null; // Never ran: due now.
  if (hasAt(command)) return due;
  const halfAfterLast =
    command.lastStartAt === undefined
      ? Number.NEGATIVE_INFINITY
      : command.lastStartAt + intervalMs(command) / 2;
  return Math.max(due - opts.dueToleranceMs, halfAfterLast);
}

/**
 * The earliest time from `now` on at which the command counts as due, inside a window;
 * at or before `now` when due now, null when it never ran (due now, when inside a window).
 */
export function nextDueAt(
  command: ScheduledCommand,
  now: number,
  opts: Pick<SelectionOptions, "dueToleranceMs">,
): number | null {
  const at = eligibleAt(command, opts, now);
  const state = windowState(command, Math.max(at ?? now, now));
  if (state.inside) return at;
  // Due when a window opens (an `at` command: at its occurrence owed from then).
  const opens = state.until;
  return Math.max(eligibleAt(command, opts, opens) ?? opens, opens);
}

export function isDue(command: ScheduledCommand, now: number, opts: SelectionOptions): boolean {
  if (!windowState(command, now).inside) return false;
  const at = eligibleAt(command, opts, now);
  return at === null || now >= at;
}

/** The virtual finish a start now would give the command. */
export function nextVirtualFinish(
  command: ScheduledCommand,
  virtualTime: number,
  priorityWeight: number,
): number {
  return startTag(command, virtualTime, priorityWeight) + strideMs(command, priorityWeight);
}

/**
 * Where the command's next start begins in virtual time: its last virtual finish, but
 * never more than one stride behind the scheduler's clock (where a new command begins).
 */
function startTag(command: ScheduledCommand, virtualTime: number, priorityWeight: number): number {
  const floor = virtualTime - strideMs(command, priorityWeight);
  return Math.max(command.virtualFinish ?? floor, floor);
}

/** Whether the unpaused commands fit the capacity, and how fast virtual time runs. */
export interface Load {
  /** Σ 1/I ≤ one start per global minimum interval. */
  fits: boolean;
  /**
   * Virtual ms per real ms: the water level λ under overload (the rate at which a fairly
   * served command's virtual finish advances); when the load fits, 1 / the smallest
   * weight, so that no command served at its own rate banks credit.
   */
  virtualRate: number;
}

export function load(
  commands: readonly ScheduledCommand[],
  opts: Pick<SelectionOptions, "priorityWeight" | "globalMinIntervalMs">,
  now: number,
): Load {
  const active = commands.filter((c) => isActive(c, now));
  if (active.length === 0 || opts.globalMinIntervalMs <= 0) return { fits: true, virtualRate: 1 };
  const share = commandShares(active, opts.priorityWeight, 1 / opts.globalMinIntervalMs);
  if (share.lambda !== null) return { fits: false, virtualRate: share.lambda };
  const smallest = Math.min(...active.map((c) => weight(c, opts.priorityWeight)));
  return { fits: true, virtualRate: 1 / smallest };
}

/** The scheduler's virtual time at `now`: the stored one, run on at the virtual rate. */
export function currentVirtualTime(scheduler: SchedulerState, now: number, rate: number): number {
  const stored = scheduler.virtualTime ?? 0;
  const at = scheduler.virtualTimeAt;
  if (at === undefined || now <= at) return stored;
  return stored + rate * (now - at);
}

/** Normalized lateness × weight (0 until due; Infinity when it never ran). */
export function score(command: ScheduledCommand, now: number, opts: SelectionOptions): number {
  const lateness = latenessMs(command, now);
  if (lateness === null) return Number.POSITIVE_INFINITY;
  const normalized = Math.max((lateness + opts.dueToleranceMs) / intervalMs(command), 0);
  return normalized * weight(command, opts.priorityWeight);
}

/**
 * The state a start at `now` leaves: the due time moved on by one interval (at most half
 * an interval caught up; an `at` command: its next occurrence, which the rule works out
 * again from the start), the virtual finish moved on by one stride.
 */
export function stateAfterStart(
  command: ScheduledCommand,
  now: number,
  virtualTime: number,
  priorityWeight: number,
): StartState {
  const interval = intervalMs(command);
  const due = dueAt(command, now) ?? now;
  const dueNext = hasAt(command)
    ? (calendarOf(command)?.atAfter(now) ?? now + interval)
    : now - due <= interval / 2
      ? due + interval
      : now + interval;
  return {
    dueAt: dueNext,
    virtualFinish: nextVirtualFinish(command, virtualTime, priorityWeight),
    virtualTime,
  };
}

/**
 * Under overload: earliest virtual finish first, then the earlier due time. When the load
 * fits every command can be on time, and the earliest due time goes first (earliest
 * deadline first keeps every delay short), then the earlier virtual finish. Remaining
 * ties: higher priority, then id.
 */
export function compareRanked<C extends ScheduledCommand>(
  a: RankedCommand<C>,
  b: RankedCommand<C>,
  fits = false,
): number {
  // Never-run commands are due at once; Infinity − Infinity would be NaN, not a tie.
  const byDue = Math.sign((a.dueAt ?? -Number.MAX_VALUE) - (b.dueAt ?? -Number.MAX_VALUE));
  const byFinish = Math.sign(a.virtualFinish - b.virtualFinish);
  const first = fits ? byDue : byFinish;
  if (first !== 0) return first;
  const second = fits ? byFinish : byDue;
  if (second !== 0) return second;
  if (a.command.priority !== b.command.priority) return b.command.priority - a.command.priority;
  return a.command.id < b.command.id ? -1 : a.command.id > b.command.id ? 1 : 0;
}

function ranked<C extends ScheduledCommand>(
  command: C,
  now: number,
  virtualTime: number,
  opts: SelectionOptions,
): RankedCommand<C> {
  return {
    command,
    dueAt: dueAt(command, now),
    virtualFinish: nextVirtualFinish(command, virtualTime, opts.priorityWeight),
    latenessMs: latenessMs(command, now),
    score: score(command, now, opts),
  };
}

/** Every command that could start now. Paused, running and outside-window ones are skipped. */
export function eligibleCommands<C extends ScheduledCommand>(
  commands: readonly C[],
  now: number,
  opts: SelectionOptions,
): C[] {
  return commands.filter((c) => !c.paused && !isRunning(c, now) && isDue(c, now, opts));
}

/** Every command that could start now, best first, with the virtual time they were ranked at. */
export function rankDue<C extends ScheduledCommand>(
  commands: readonly C[],
  now: number,
  opts: SelectionOptions,
  scheduler: SchedulerState = {},
): { candidates: RankedCommand<C>[]; virtualTime: number; fits: boolean } {
  const { fits, virtualRate } = load(commands, opts, now);
  const virtualTime = currentVirtualTime(scheduler, now, virtualRate);
  const candidates = eligibleCommands(commands, now, opts)
    .map((c) => ranked(c, now, virtualTime, opts))
    .sort((a, b) => compareRanked(a, b, fits));
  return { candidates, virtualTime, fits };
}

/** What a tick should do at `now`, given the commands and the scheduler's state. */
export function decide<C extends ScheduledCommand>(
  commands: readonly C[],
  now: number,
  scheduler: SchedulerState,
  opts: SelectionOptions,
): Decision<C> {
  const last = scheduler.lastGlobalStartAt;
  if (last !== undefined && now - last < opts.globalMinIntervalMs) {
    return { kind: "wait-global", nextStartAllowedAt: last + opts.globalMinIntervalMs };
  }
  const { candidates, virtualTime } = rankDue(commands, now, opts, scheduler);
  if (candidates.length > 0) return { kind: "start", candidates, virtualTime };
  let nextDue: number | null = null;
  for (const c of commands) {
    if (c.paused || isRunning(c, now)) continue;
    const at = nextDueAt(c, now, opts);
    if (at !== null && Number.isFinite(at) && (nextDue === null || at < nextDue)) nextDue = at;
  }
  return {
    kind: "idle",
    nextDueAt: nextDue,
    paused: commands.filter((c) => c.paused).length,
    running: commands.filter((c) => isRunning(c, now)).length,
  };
}

/**
 * Yields the ranked candidates that can run, dropping those that need an LLM while it is
 * down. The probe runs at most once, and only when such a candidate is actually reached,
 * so a tick whose first choice needs no LLM never probes.
 */
export async function* runnableCandidates<C extends ScheduledCommand>(
  candidates: readonly RankedCommand<C>[],
  probeLlm: () => Promise<boolean>,
  onSkipped: (candidate: RankedCommand<C>) => void = () => {},
): AsyncGenerator<RankedCommand<C>> {
  let llmUp: boolean | undefined;
  for (const candidate of candidates) {
    if (candidate.command.requiresLlm) {
      llmUp ??= await probeLlm();
      if (!llmUp) {
        onSkipped(candidate);
        continue;
      }
    }
    yield candidate;
  }
}

/**
 * How early a command may count as due: half the period at which the scheduler looks.
 * With the default 60 s global minimum that period is the 1-minute tick; with a smaller
 * global minimum the tick keeps polling every `pollIntervalMs` and that is the period.
 */
export function dueToleranceMs(
  tickIntervalMs: number,
  pollIntervalMs: number,
  globalMinIntervalMs: number,
): number {
  const period =
    globalMinIntervalMs < tickIntervalMs
      ? Math.min(pollIntervalMs, tickIntervalMs)
      : tickIntervalMs;
  return Math.floor(period / 2);
}
