import type { DispatchRecord } from "../../core/ports.js";
import { isLiveClaim } from "./checks.js";
import type { WorkItem, Worklog } from "./wl.js";

/**
 * What counts as work in progress, from `--json` only (the human tree prints titles raw):
 * an item is in progress when its status is `in-progress` or its stage is `in_progress`
 * (Worklog allows status `open` with stage `in_progress`, and `wl in_progress` lists by
 * status only), or when AMPA claims it (its assignee and a live dispatch), whatever its status.
 */

export const BUSY_HEADING = "Agents are currently busy with:";

export interface BusyItem {
  item: WorkItem;
  /** Set when the item is busy because AMPA claims it. */
  claim?: DispatchRecord;
}

const CLOSED = new Set(["completed", "deleted"]);

/** AMPA's live claims by work item id, before checking them against the items. */
export function recentDispatches(
  records: readonly DispatchRecord[],
  now: number,
  staleAfterMs: number,
): Map<string, DispatchRecord> {
  return new Map(
    records
      .filter((r) => isLiveClaim(r, undefined, now, staleAfterMs))
      .map((r) => [r.workItemId, r]),
  );
}

/** Busy items, each once: by status, then by stage, then by AMPA's claim. */
export async function findBusy(
  wl: Worklog,
  dispatches: Map<string, DispatchRecord>,
  now: number,
  staleAfterMs: number,
): Promise<BusyItem[]> {
  const found = new Map<string, BusyItem>();
  const add = (item: WorkItem, claim?: DispatchRecord) => {
    if (!found.has(item.id)) found.set(item.id, claim ? { item, claim } : { item });
  };
  for (const item of await wl.inProgress()) add(item);
  for (const item of await wl.list({ stage: "in_progress" }))
    if (!CLOSED.has(item.status)) add(item);
  const assignees = new Set([...dispatches.values()].map((d) => d.assignee));
  for (const assignee of assignees) {
    for (const item of await wl.list({ assignee })) {
      const claim = dispatches.get(item.id);
      if (claim && isLiveClaim(claim, item, now, staleAfterMs)) add(item, claim);
    }
  }
  return [...found.values()];
}

/**
 * Text from wl on one line: control characters (newlines, tree-forging line breaks,
 * terminal escapes) become spaces, so a title can never start a line of its own.
 */
export const oneLine = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();

/** Why an item is listed as busy, when its status alone does not say. */
function busyWhy({ item, claim }: BusyItem): string {
  if (item.status === "in-progress") return "";
  if (item.stage === "in_progress") return ` (stage in_progress, status ${oneLine(item.status)})`;
  return claim ? ` (claimed for ${claim.action}, run ${claim.runId})` : "";
}

/** `── <title> - <id>` per busy item, children under their parent (from `parentId`). */
export function busyLines(busy: BusyItem[]): string[] {
  const ids = new Set(busy.map((b) => b.item.id));
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (b: BusyItem, depth: number) => {
    if (seen.has(b.item.id)) return;
    seen.add(b.item.id);
    lines.push(
      `${"   ".repeat(depth)}── ${oneLine(b.item.title)} - ${oneLine(b.item.id)}${busyWhy(b)}`,
    );
    for (const child of busy.filter((c) => c.item.parentId === b.item.id)) walk(child, depth + 1);
  };
  for (const b of busy) if (!b.item.parentId || !ids.has(b.item.parentId)) walk(b, 0);
  // A parent cycle has no root: list what is left flat rather than drop it.
  for (const b of busy) walk(b, 0);
  return lines;
}

export const busyReport = (busy: BusyItem[]): string =>
  [BUSY_HEADING, ...busyLines(busy)].join("\n");
