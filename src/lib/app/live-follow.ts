import type { LiveSource } from "../core/live-output.js";

export interface FollowOptions {
  /** Follow until the run ends; otherwise read what is there now and stop. */
  follow: boolean;
  /** Whether the run has ended, as its record says (never what its output says). */
  ended: () => Promise<boolean>;
  /** How often `ended` is asked, and the longest wait for a source without events. */
  pollMs: number;
  signal?: AbortSignal;
  clock?: () => number;
}

/**
 * A run's live output as lines: what `source` holds now, then (with `follow`) each line
 * as it arrives until the run's record says it ended. After the end the source is read
 * until it has nothing more (within its `settleMs`), so the last lines are not lost.
 */
export async function* liveLines(source: LiveSource, opts: FollowOptions): AsyncGenerator<string> {
  const clock = opts.clock ?? Date.now;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let endedAt: number | undefined;
  try {
    for (;;) {
      // Asked before the read: everything written before the end is read after it.
      if (opts.follow && endedAt === undefined && clock() - checkedAt >= opts.pollMs) {
        checkedAt = clock();
        if (await opts.ended()) endedAt = clock();
      }
      const lines = await source.read();
      yield* lines;
      const settled =
        endedAt !== undefined && lines.length === 0 && clock() - endedAt >= (source.settleMs ?? 0);
      if (!opts.follow || settled || opts.signal?.aborted) {
        if (!opts.signal?.aborted) yield* source.end?.() ?? [];
        return;
      }
      // After the end, read on at once while lines still come.
      const wait =
        endedAt === undefined
          ? opts.pollMs - (clock() - checkedAt)
          : lines.length > 0
            ? 0
            : opts.pollMs;
      await source.changed(Math.max(wait, 0), opts.signal);
    }
  } finally {
    source.close?.();
  }
}
