import { createHash } from "node:crypto";
import type { RunRecord } from "./command.js";

/**
 * What a run's post shows, hashed: its outcome, exit code and output. Two runs with the
 * same hash would post the same message, so the second post is skipped (app/run.ts). The
 * outcome and exit code count: the same output that now fails is news.
 */
export function resultHash(run: Pick<RunRecord, "outcome" | "exitCode" | "output">): string {
  return createHash("sha256")
    .update(JSON.stringify([run.outcome, run.exitCode, run.output]))
    .digest("hex");
}

/** `metadata.post_unchanged` true (or "true"): post every result, changed or not. */
export const postsUnchanged = (metadata: Record<string, unknown>): boolean =>
  metadata.post_unchanged === true || metadata.post_unchanged === "true";
