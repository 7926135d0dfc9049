/**
 * The ideal the scheduler is measured against (issue 10), pure: weighted max-min fair
 * shares by water-filling. It decides nothing at run time; `ampa simulate` and the
 * benchmark compare the measured intervals with it.
 *
 * Command i wants one start every I_i and has weight w_i = 1 + priorityWeight × priority.
 * When the load fits (Σ 1/I_i ≤ capacity) every command gets its own rate 1/I_i.
 * Otherwise rate_i = min(1/I_i, λ·w_i/I_i), one λ for all, chosen so that the rates fill
 * the capacity exactly: commands whose share would exceed their own rate are capped at it
 * and λ is recomputed over the rest until no further command is capped.
 */

export interface FairShareCommand {
  id: string;
  /** Desired start-to-start interval (ms), above 0. */
  intervalMs: number;
  /** 1 + priorityWeight × priority: at least 1, so no command's share is ever zero. */
  weight: number;
}

export interface FairShareEntry {
  id: string;
  /** Ideal starts per ms. */
  rate: number;
  /** 1 / rate: the ideal start-to-start interval (ms). */
  idealIntervalMs: number;
  /** True when the command gets all it asks for (always, when the load fits). */
  capped: boolean;
}

export interface FairShare {
  /** Σ 1/I_i ≤ capacity: every command can run at its desired interval. */
  fits: boolean;
  /** Starts per ms the commands ask for (Σ 1/I_i). */
  wantedPerMs: number;
  capacityPerMs: number;
  /** The water level; null when the load fits (no command is stretched). */
  lambda: number | null;
  /** In the order given. */
  commands: FairShareEntry[];
}

/** A command's weight, as the issue defines it. */
export function fairShareWeight(priority: number, priorityWeight: number): number {
  return 1 + priorityWeight * priority;
}

/**
 * Starts per ms the scheduler can make: one per global minimum interval, or one per tick
 * period when there is no global minimum. (With a minimum that is not a multiple of the
 * tick or poll period the real figure is lower: starts land on ticks.)
 */
export function capacityPerMs(globalMinIntervalMs: number, tickIntervalMs: number): number {
  return 1 / (globalMinIntervalMs > 0 ? globalMinIntervalMs : tickIntervalMs);
}

function check(commands: readonly FairShareCommand[], capacity: number): void {
  if (!(capacity > 0 && Number.isFinite(capacity)))
    throw new RangeError(`capacity must be a positive number of starts per ms, got ${capacity}`);
  for (const c of commands) {
    if (!(c.intervalMs > 0 && Number.isFinite(c.intervalMs)))
      throw new RangeError(
        `${c.id}: interval must be a positive number of ms, got ${c.intervalMs}`,
      );
    if (!(c.weight >= 1 && Number.isFinite(c.weight)))
      throw new RangeError(`${c.id}: weight must be at least 1, got ${c.weight}`);
  }
}

export function fairShare(commands: readonly FairShareCommand[], capacity: number): FairShare {
  check(commands, capacity);
  const wanted = commands.reduce((n, c) => n + 1 / c.intervalMs, 0);
  const entry = (c: FairShareCommand, rate: number, capped: boolean): FairShareEntry => ({
    id: c.id,
    rate,
    idealIntervalMs: 1 / rate,
    capped,
  });
  const base = { wantedPerMs: wanted, capacityPerMs: capacity };
  if (wanted <= capacity)
    return {
      ...base,
      fits: true,
      lambda: null,
      commands: commands.map((c) => entry(c, 1 / c.intervalMs, true)),
    };

  const capped = new Set<number>();
  let lambda = 0;
  for (;;) {
    let left = capacity;
    let weightRate = 0;
    commands.forEach((c, i) => {
      if (capped.has(i)) left -= 1 / c.intervalMs;
      else weightRate += c.weight / c.intervalMs;
    });
    lambda = left / weightRate;
    // λ·w ≥ 1 means the command's share is at least its own rate: it takes only that.
    const newlyCapped = commands
      .map((c, i) => (!capped.has(i) && lambda * c.weight >= 1 ? i : -1))
      .filter((i) => i >= 0);
    if (newlyCapped.length === 0) break;
    for (const i of newlyCapped) capped.add(i);
  }
  return {
    ...base,
    fits: false,
    lambda,
    commands: commands.map((c, i) =>
      capped.has(i)
        ? entry(c, 1 / c.intervalMs, true)
        : entry(c, (lambda * c.weight) / c.intervalMs, false),
    ),
  };
}
