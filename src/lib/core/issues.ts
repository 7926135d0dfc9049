import type * as z from "zod";

/** `commands.wl-stats.frequency_minutes`, `state.x.run_history[3].end_ts`: paths for messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** One `path: message` line per issue. */
export function issueLines(issues: readonly z.core.$ZodIssue[], root = "(file)"): string[] {
  return issues.map((i) => `${formatPath(i.path) || root}: ${i.message}`);
}
