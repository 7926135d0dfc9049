import { everyIssue } from "../../core/command-metadata.js";
import { watchdogMetadataSchema } from "../commands/stale-delegation-watchdog/metadata.js";
import { postableText } from "../../core/untrusted-text.js";
import type { DispatchStore, Notify } from "../../core/ports.js";
import { oneLine } from "./busy.js";
import { DEFAULT_STALE_AFTER_MINUTES } from "./checks.js";
import { type WorkItem, type Worklog, WorklogError } from "./wl.js";

/**
 * The stale-delegation watchdog (upstream `stale-delegation-watchdog`): an agent that
 * crashed or hung leaves its item held by AMPA forever, and a held item stops delegation.
 * Items assigned to AMPA with no update for `stale_after_minutes` (other than those waiting
 * on a person, `input_needed`) are put back: assignee
 * cleared, status `open` (stage kept; a blocked item stays blocked), a comment saying why,
 * AMPA's dispatch record released, and one `# Stale Delegation Recovery` post.
 */

export const WATCHDOG_TITLE = "Stale Delegation Recovery";
const CLOSED = new Set(["completed", "deleted"]);
/**
 * Statuses of an item waiting on a person (the newer Worklog's `input_needed`): no update
 * for hours is expected there, not a sign of a crashed agent, so it is left alone.
 */
const WAITING_ON_A_PERSON = new Set(["input_needed"]);

export type WatchdogSettingsResult =
  { ok: true; staleAfterMs: number } | { ok: false; error: string };

export function watchdogSettings(metadata: Record<string, unknown>): WatchdogSettingsResult {
  const problem = everyIssue(watchdogMetadataSchema, metadata);
  if (problem)
    return { ok: false, error: `Invalid stale-delegation-watchdog metadata: ${problem}` };
  const minutes =
    watchdogMetadataSchema.parse(metadata).stale_after_minutes ?? DEFAULT_STALE_AFTER_MINUTES;
  return { ok: true, staleAfterMs: minutes * 60_000 };
}

export interface WatchdogDeps {
  wl: Worklog;
  assignee: string;
  clock: () => number;
  dispatchStore?: DispatchStore;
  notifier?: Notify;
}

export interface WatchdogOutcome {
  ok: boolean;
  output: string;
  recovered: string[];
  posted?: boolean;
}

const minutesSince = (now: number, iso: string) => Math.floor((now - Date.parse(iso)) / 60_000);

/** Items held by AMPA with no update since `staleBefore` (an unreadable time counts as stale). */
export function staleItems(items: WorkItem[], assignee: string, staleBefore: number): WorkItem[] {
  return items.filter((item) => {
    if (item.assignee !== assignee || CLOSED.has(item.status)) return false;
    if (WAITING_ON_A_PERSON.has(item.status)) return false;
    const updated = Date.parse(item.updatedAt);
    return !Number.isFinite(updated) || updated < staleBefore;
  });
}

async function putBack(
  deps: WatchdogDeps,
  item: WorkItem,
  staleAfterMs: number,
  now: number,
): Promise<string> {
  const idle = Number.isFinite(Date.parse(item.updatedAt))
    ? `${minutesSince(now, item.updatedAt)} minutes`
    : "an unknown time";
  const status = item.status === "blocked" ? {} : { status: "open" };
  await deps.wl.updateFields(item.id, { assignee: "", ...status });
  await deps.wl.addComment(
    item.id,
    [
      `AMPA's stale-delegation watchdog put this item back: it was held by ${deps.assignee} with no update for ${idle} (limit ${staleAfterMs / 60_000} minutes).`,
      `Assignee cleared${status.status ? ", status open" : ""}, stage ${item.stage || "(none)"} kept; the agent run that held it most likely crashed or hung. Delegation can pick it up again.`,
    ].join("\n"),
    deps.assignee,
  );
  const records = (await deps.dispatchStore?.listDispatches()) ?? [];
  const record = records.find((r) => r.workItemId === item.id && r.releasedAt === undefined);
  if (record) await deps.dispatchStore?.releaseDispatch(item.id, record.runId, now, "stale");
  return `- ${oneLine(item.title)} - ${item.id}: no update for ${idle}; put back${status.status ? " (status open" : " (still blocked"}, stage ${oneLine(item.stage) || "(none)"})`;
}

/** One watchdog pass. A wl failure listing the items fails the run; one item's failure is noted. */
export async function runWatchdog(
  deps: WatchdogDeps,
  staleAfterMs: number,
): Promise<WatchdogOutcome> {
  const now = deps.clock();
  let held: WorkItem[];
  try {
    held = staleItems(
      await deps.wl.list({ assignee: deps.assignee }),
      deps.assignee,
      now - staleAfterMs,
    );
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    return { ok: false, output: `Stale-delegation watchdog failed: ${err.message}`, recovered: [] };
  }
  if (held.length === 0)
    return {
      ok: true,
      output: `Stale-delegation watchdog: nothing held by ${deps.assignee} is stale (limit ${staleAfterMs / 60_000} minutes).`,
      recovered: [],
    };
  const lines: string[] = [];
  const recovered: string[] = [];
  let ok = true;
  for (const item of held) {
    try {
      lines.push(await putBack(deps, item, staleAfterMs, now));
      recovered.push(item.id);
    } catch (err) {
      if (!(err instanceof WorklogError)) throw err;
      ok = false;
      lines.push(`- ${oneLine(item.title)} - ${item.id}: could not be put back: ${err.message}`);
    }
  }
  const body = [`Put back ${recovered.length} of ${held.length} stale item(s):`, ...lines].join(
    "\n",
  );
  const outcome: WatchdogOutcome = { ok, output: body, recovered };
  if (deps.notifier)
    outcome.posted = (
      await deps.notifier.send(
        "delegation",
        `# ${WATCHDOG_TITLE}\n\n${postableText(body, { multiline: true })}`,
      )
    ).delivered;
  return outcome;
}
