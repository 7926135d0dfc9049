import type { RunRecord } from "../../core/command.js";
import type { MetricLabels } from "../../core/ports.js";

/**
 * The table layout: the one module that spells a partition name or a sort key
 * (see docs/ARCHITECTURE in shared/design). One module per partition reads and writes it:
 *   CMD / <id>                   command spec + schedule state + lease       (commands.ts)
 *   RUN#<id> / <startIso>#<run>  one run, newest `maxRunHistory` kept        (runs.ts)
 *   GLOBAL / SCHEDULER           last global start, last startup announcement (scheduler.ts)
 *   GLOBAL / NOTIFY              last message times (heartbeat suppression)  (notify.ts)
 *   METRICS / <name>#<labels>    counters (atomic ADD) and gauges            (metrics.ts)
 *   DLQ / <iso>#<uuid>           undelivered notifications, until redriven   (dead-letters.ts)
 *   AUDIT / <workItemId>         last triage audit of a work item (by AMPA or imported) (audits.ts)
 *   PRMON / <repo>#<n>#<sha>     a failing PR the PR monitor reported, per head commit (pr-reports.ts)
 *   PRMON / <repo>#<n>#ignored   a PR whose failures are not reported (Discord's Ignore)  (pr-reports.ts)
 *   DISPATCH / <workItemId>      AMPA's latest dispatch of a work item: its claim (dispatches.ts)
 *   ACTION / <iso>#<interaction> an action asked for from Discord, allowed or refused (actions.ts)
 * Every write is a single-item (conditional) write: no transactions, no TTL. The one
 * exception, batched unconditional puts to seed benchmarks, lives outside the store
 * (src/lib/local/bulk-load.ts). How readers treat items that do not parse: items.ts.
 */

/** The primary key of one item. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** The partition of every command. */
export const COMMANDS = "CMD";
/** The partition of the scheduler-wide items. */
const GLOBAL = "GLOBAL";
/** The partition of every counter and gauge. */
export const METRICS = "METRICS";
/** The partition of every dead letter. */
export const DEAD_LETTERS = "DLQ";
/** The partition of every work item's last audit time. */
export const AUDITS = "AUDIT";

/** The partition of every work item's latest dispatch to an agent. */
export const DISPATCHES = "DISPATCH";

/** The partition holding one command's runs. */
export const runPartition = (commandId: string): string => `RUN#${commandId}`;

export const commandKey = (id: string): ItemKey => ({ pk: COMMANDS, sk: id });

/** Runs sort by start time (ISO text sorts as time), the run id keeping equal starts apart. */
export const runKey = (run: Pick<RunRecord, "commandId" | "startedAt" | "runId">): ItemKey => ({
  pk: runPartition(run.commandId),
  sk: `${new Date(run.startedAt).toISOString()}#${run.runId}`,
});

/** The last global start and the last startup announcement. */
export const SCHEDULER_KEY: ItemKey = { pk: GLOBAL, sk: "SCHEDULER" };

/** The last message times. */
export const NOTIFY_KEY: ItemKey = { pk: GLOBAL, sk: "NOTIFY" };

/** Labels sorted so one metric series always maps to one item. */
export const metricKey = (name: string, labels: MetricLabels): ItemKey => {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return { pk: METRICS, sk: parts.length ? `${name}#${parts.join(",")}` : name };
};

/** A new dead letter's id (its sort key): oldest first, the uuid keeping equal times apart. */
export const deadLetterId = (createdAt: number, uuid: string): string =>
  `${new Date(createdAt).toISOString()}#${uuid}`;

export const deadLetterKey = (id: string): ItemKey => ({ pk: DEAD_LETTERS, sk: id });

/** The partition of the PR monitor's reports. */
export const PR_REPORTS = "PRMON";

/** One PR at one head commit; `repo` is "" for the repository of the command cwd. */
export const prReportKey = (r: { repo: string; number: number; headOid: string }): ItemKey => ({
  pk: PR_REPORTS,
  sk: `${r.repo}#${r.number}#${r.headOid}`,
});

/**
 * A PR the monitor ignores, whatever its head commit. A report's last part is a commit
 * SHA, hex only (gh.ts accepts nothing else), so `ignored` can never be one of them.
 */
export const prIgnoreKey = (pr: { repo: string; number: number }): ItemKey => ({
  pk: PR_REPORTS,
  sk: `${pr.repo}#${pr.number}#ignored`,
});

export const auditKey = (workItemId: string): ItemKey => ({ pk: AUDITS, sk: workItemId });

export const dispatchKey = (workItemId: string): ItemKey => ({
  pk: DISPATCHES,
  sk: workItemId,
});

/** The partition of the actions asked for from Discord. */
export const ACTIONS = "ACTION";

/** Oldest first; the interaction id (unique) keeps equal times apart and makes a replay collide. */
export const actionKey = (a: { at: number; interactionId: string }): ItemKey => ({
  pk: ACTIONS,
  sk: `${new Date(a.at).toISOString()}#${a.interactionId}`,
});

/** How an item's key is named in reports and messages: `pk/sk`. */
export const keyName = (item: Record<string, unknown>): string =>
  `${String(item.pk)}/${String(item.sk)}`;
