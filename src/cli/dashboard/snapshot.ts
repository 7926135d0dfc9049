import type { Command, RunRecord } from "../../lib/core/command.js";
import type { CorruptItem, DeadLetter } from "../../lib/core/ports.js";
import { type SelectionSettings, selectionOptions } from "../../lib/app/tick.js";
import { heldBack } from "../../lib/app/worklog/attempts.js";
import type { Config } from "../../lib/core/config.js";
import { usageSums } from "../../lib/core/usage.js";
import type { App } from "../../lib/runtime/app.js";
import { ACTIONS_SHOWN, runsOfCommands, statusReport, type StatusReport } from "../status.js";

/**
 * The global slots (optional: drawn as a lane above the commands when given). Capacity is
 * one scheduled start per `minIntervalMs` (AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS);
 * each start holds the slot for that long.
 */
export interface GlobalSlots {
  /** The scheduled starts, oldest first; `commandId` when known. */
  starts: readonly { at: number; commandId?: string | undefined }[];
  minIntervalMs: number;
}

/** What one refresh of the dashboard shows, read from the store at one time. */
export interface Snapshot {
  now: number;
  report: StatusReport;
  commands: ReadonlyMap<string, Command>;
  /** Each command's stored runs, newest first (at most AMPA_SCHEDULER_MAX_RUN_HISTORY). */
  runs: ReadonlyMap<string, readonly RunRecord[]>;
  deadLetters: readonly DeadLetter[];
  corrupt: readonly CorruptItem[];
  /** The scheduled starts holding the global slot, for the timeline's slots lane. */
  globalSlots?: GlobalSlots;
}

/** What the dashboard reads: the store, and the settings its report and timeline show. */
export interface DashboardSource {
  store: App["store"];
  config: SelectionSettings & Pick<Config, "defaultMaxRuntimeMinutes" | "maxRunHistory">;
}

/** What changes on a command's item whenever a run of it starts or ends. */
const runsVersion = (c: Command) =>
  [c.lastRunId, c.leaseRunId, c.lastStartAt, c.lastEndAt].map((v) => v ?? "").join("|");

/**
 * The scheduled starts on record: each stored run the schedule started (a run once takes
 * no global slot), and the scheduler's last global start (a run still going, or one whose
 * record was trimmed).
 */
export function scheduledStarts(
  runs: ReadonlyMap<string, readonly RunRecord[]>,
  lastGlobalStartAt: number | undefined,
  minIntervalMs: number,
): GlobalSlots {
  const starts: { at: number; commandId?: string }[] = [];
  for (const [commandId, list] of runs)
    for (const run of list)
      if (run.trigger === "schedule") starts.push({ at: run.startedAt, commandId });
  if (lastGlobalStartAt !== undefined && !starts.some((s) => s.at === lastGlobalStartAt))
    starts.push({ at: lastGlobalStartAt });
  starts.sort((a, b) => a.at - b.at);
  return { starts, minIntervalMs };
}

/**
 * Reads snapshots of one store. A command's run history is read again only when its item
 * says a run started or ended since the last read, so a refresh every few seconds costs
 * one paged Query of the commands (plus the scheduler item and dead letters) while nothing
 * runs, and not one Query per command.
 */
export class SnapshotReader {
  private readonly runCache = new Map<string, { version: string; runs: RunRecord[] }>();

  constructor(
    private readonly app: DashboardSource,
    private readonly clock: () => number = Date.now,
  ) {}

  async read(): Promise<Snapshot> {
    const { store, config } = this.app;
    const [{ commands, corrupt }, scheduler, deadLetters, dispatches, actions] = await Promise.all([
      store.listCommands(),
      store.getSchedulerState(),
      store.listDeadLetters(),
      store.listDispatches(),
      store.listActions(ACTIONS_SHOWN),
    ]);
    await this.refreshRuns(commands);
    const now = this.clock();
    const report = statusReport(
      commands,
      now,
      selectionOptions(config),
      scheduler.lastGlobalStartAt,
      scheduler,
      config.defaultMaxRuntimeMinutes,
    );
    report.heldBack = heldBack(dispatches, now);
    report.actions = actions;
    const runs = new Map(commands.map((c) => [c.id, this.runCache.get(c.id)?.runs ?? []]));
    report.usage = usageSums(runs, config.maxRunHistory);
    return {
      now,
      report,
      commands: new Map(commands.map((c) => [c.id, c])),
      runs,
      deadLetters,
      corrupt,
      globalSlots: scheduledStarts(runs, scheduler.lastGlobalStartAt, config.globalMinIntervalMs),
    };
  }

  private async refreshRuns(commands: readonly Command[]): Promise<void> {
    const ids = new Set(commands.map((c) => c.id));
    for (const id of this.runCache.keys()) if (!ids.has(id)) this.runCache.delete(id);
    const stale = commands.filter((c) => this.runCache.get(c.id)?.version !== runsVersion(c));
    const read = new Map(await runsOfCommands(this.app.store, stale));
    for (const c of stale)
      this.runCache.set(c.id, { version: runsVersion(c), runs: read.get(c.id) ?? [] });
  }
}
