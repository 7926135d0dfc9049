/**
 * The one deadline of a Lambda invocation, in the manner of middy's `timeoutEarly`: a
 * signal raised EARLY_MS before Lambda stops the function, so that what is left can log
 * and return. Everything that must stop in time derives its own limit from it: the tick's
 * polling, the notifier's retries and the final write stop at it; a runner stops
 * RECORD_RESERVE_MS before it, so that its run is recorded and announced in time.
 */

/** Kept free at the end of an invocation: the last log lines and the answer. */
export const EARLY_MS = 5_000;
/** Kept free after a runner stops: the final write and the run's post. */
export const RECORD_RESERVE_MS = 5_000;

export interface Deadline {
  /** When everything must have stopped (epoch milliseconds). */
  at: number;
  /** Aborted at `at`. */
  signal: AbortSignal;
}

/** The deadline of an invocation that Lambda stops `remainingMs` after `now`. */
export function earlyDeadline(now: number, remainingMs: number): Deadline {
  const leftMs = Math.max(0, remainingMs - EARLY_MS);
  // AbortSignal.timeout's timer is unref'd: it never keeps a process alive.
  return { at: now + leftMs, signal: AbortSignal.timeout(leftMs) };
}

/** Until when work may go on: the deadline, or never-ending without one (CLI, workers). */
export const stopBy = (deadline: Deadline | undefined): number =>
  deadline ? deadline.at : Number.POSITIVE_INFINITY;

/** Until when a runner may run: early enough that its run is still recorded and announced. */
export const runnerStopBy = (deadline: Deadline | undefined): number =>
  stopBy(deadline) - RECORD_RESERVE_MS;

/** The invocation was still busy when its deadline's signal fired. */
export class DeadlineError extends Error {
  constructor(what: string) {
    super(`${what} was still running ${EARLY_MS / 1000} s before Lambda's deadline; stopped`);
    this.name = "DeadlineError";
  }
}

/**
 * `work`, or a DeadlineError once the deadline's signal fires first (middy's
 * `timeoutEarly`): the invocation ends with a logged error of ours instead of being
 * killed by Lambda with nothing said. Everything inside stops by the deadline on its own;
 * this catches what overran it.
 */
export async function untilDeadline<T>(
  work: Promise<T>,
  deadline: Deadline | undefined,
  what: string,
): Promise<T> {
  if (!deadline) return work;
  const { signal } = deadline;
  let onAbort: (() => void) | undefined;
  const overrun = new Promise<never>((_, reject) => {
    onAbort = () => reject(new DeadlineError(what));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, overrun]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
