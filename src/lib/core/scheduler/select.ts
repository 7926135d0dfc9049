import type { Command } from "../command.js";

/**
 * The scheduling rule, pure: data and a time in, data out. No I/O, no clock reads.
 *
 * score = max(lateness / interval, 0) × (1 + priorityWeight × priority)
 *
 * Two corrections to the Python seed, both measured by the benchmark:
 * - lateness is measured from the last *start*, so a command's own run time does not
 *   push its schedule later every cycle;
 * - lateness is evaluated `dueToleranceMs` ahead (half the scheduling period), so a
 *   command that becomes due between two ticks runs at the nearer tick instead of one
 *   whole tick late. A 1-minute command on a 1-minute tick runs every minute.
 */
export interface SelectionOptions {
  priorityWeight: number;
  globalMinIntervalMs: number;
  dueToleranceMs: number;
}

export interface RankedCommand {
  command: Command;
  /** Infinity for a command that has never run: it goes first. */
  score: number;
  /** now - (lastStart + interval); null when never run. */
  latenessMs: number | null;
}

export type Decision =
  | { kind: "start"; candidates: RankedCommand[] }
  | { kind: "wait-global"; nextStartAllowedAt: number }
  | { kind: "idle"; nextDueAt: number | null; paused: number; running: number };

export function intervalMs(command: Pick<Command, "frequencyMinutes">): number {
  return command.frequencyMinutes * 60_000;
}

/** True while a run holds the command's lease and the lease has not expired. */
export function isRunning(command: Command, now: number): boolean {
  return command.leaseRunId !== undefined && (command.leaseExpiresAt ?? 0) >= now;
}

export function latenessMs(command: Command, now: number): number | null {
  if (command.lastStartAt === undefined) return null;
  return now - (command.lastStartAt + intervalMs(command));
}

/** The earliest time the command counts as due (with the tolerance applied). */
export function nextDueAt(
  command: Command,
  opts: Pick<SelectionOptions, "dueToleranceMs">,
): number | null {
  if (command.lastStartAt === undefined) return null;
  return command.lastStartAt + intervalMs(command) - opts.dueToleranceMs;
}

export function score(command: Command, now: number, opts: SelectionOptions): number {
  const lateness = latenessMs(command, now);
  if (lateness === null) return Number.POSITIVE_INFINITY;
  const normalized = Math.max((lateness + opts.dueToleranceMs) / intervalMs(command), 0);
  return normalized * (1 + opts.priorityWeight * command.priority);
}

export function isDue(command: Command, now: number, opts: SelectionOptions): boolean {
  const lateness = latenessMs(command, now);
  return lateness === null || lateness + opts.dueToleranceMs >= 0;
}

/** Highest score first; ties by priority, then the longer-waiting command, then id. */
export function compareRanked(a: RankedCommand, b: RankedCommand): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.command.priority !== b.command.priority) return b.command.priority - a.command.priority;
  const aStart = a.command.lastStartAt ?? Number.NEGATIVE_INFINITY;
  const bStart = b.command.lastStartAt ?? Number.NEGATIVE_INFINITY;
  if (aStart !== bStart) return aStart - bStart;
  return a.command.id < b.command.id ? -1 : a.command.id > b.command.id ? 1 : 0;
}

/** Every command that could start now, best first. Paused and running commands are skipped. */
export function rankDue(
  commands: readonly Command[],
  now: number,
  opts: SelectionOptions,
): RankedCommand[] {
  return commands
    .filter((c) => !c.paused && !isRunning(c, now) && isDue(c, now, opts))
    .map((command) => ({
      command,
      score: score(command, now, opts),
      latenessMs: latenessMs(command, now),
    }))
    .sort(compareRanked);
}

/** Every command with its current score, in the order the scheduler would consider them. */
export function rankAll(
  commands: readonly Command[],
  now: number,
  opts: SelectionOptions,
): RankedCommand[] {
  return commands
    .map((command) => ({
      command,
      score: score(command, now, opts),
      latenessMs: latenessMs(command, now),
    }))
    .sort(compareRanked);
}

/** What a tick should do at `now`, given the commands and the last global start. */
export function decide(
  commands: readonly Command[],
  now: number,
  lastGlobalStartAt: number | undefined,
  opts: SelectionOptions,
): Decision {
  if (lastGlobalStartAt !== undefined && now - lastGlobalStartAt < opts.globalMinIntervalMs) {
    return {
      kind: "wait-global",
      nextStartAllowedAt: lastGlobalStartAt + opts.globalMinIntervalMs,
    };
  }
  const candidates = rankDue(commands, now, opts);
  if (candidates.length > 0) return { kind: "start", candidates };
  let nextDue: number | null = null;
  for (const c of commands) {
    if (c.paused || isRunning(c, now)) continue;
    const at = nextDueAt(c, opts);
    if (at !== null && (nextDue === null || at < nextDue)) nextDue = at;
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
export async function* runnableCandidates(
  candidates: readonly RankedCommand[],
  probeLlm: () => Promise<boolean>,
  onSkipped: (candidate: RankedCommand) => void = () => {},
): AsyncGenerator<RankedCommand> {
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
