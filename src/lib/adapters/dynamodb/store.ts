import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Command, CommandSpec, RunNotified, RunRecord } from "../../core/command.js";
import type {
  AuditStore,
  AuditTime,
  CommandAdmin,
  Condition,
  CommandStore,
  CorruptItem,
  DeadLetter,
  DispatchRecord,
  DispatchStore,
  GlobalSlot,
  GlobalSlotState,
  ItemChange,
  MetricLabels,
  NotifyState,
  NotifyStore,
  OnCorrupt,
  PrReport,
  PrReportKey,
  PrReportStore,
  ResultHashStore,
  RunItems,
  RunNotifiedStore,
  SchedulerStore,
  StoredMetric,
  TransferStore,
  WriteOutcome,
} from "../../core/ports.js";
import type { CommandCounter } from "../../core/limits.js";
import type { ScheduleListing } from "../../core/schedule-listing.js";
import type { ScheduledCommand } from "../../core/scheduled-command.js";
import type { SchedulerState } from "../../core/scheduler/select.js";
import * as audits from "./audits.js";
import * as commands from "./commands.js";
import * as deadLetters from "./dead-letters.js";
import * as dispatches from "./dispatches.js";
import { reportTo } from "./items.js";
import * as metrics from "./metrics.js";
import * as notify from "./notify.js";
import * as prReports from "./pr-reports.js";
import * as runItems from "./run-items.js";
import * as runs from "./runs.js";
import * as scheduler from "./scheduler.js";
import type { Table } from "./table-io.js";

export { parseCommandItem } from "./items.js";

/**
 * The state table behind the store ports: a thin class over one module per partition
 * (the layout is in keys.ts, the rule for corrupt items in items.ts).
 */

export interface StoreOptions {
  tableName: string;
  maxRunHistory: number;
  /** Told about every item a reader skips because it does not parse (see items.ts). */
  onCorrupt?: OnCorrupt;
}

export class Store
  implements
    CommandStore,
    CommandAdmin,
    SchedulerStore,
    NotifyStore,
    AuditStore,
    TransferStore,
    PrReportStore,
    ResultHashStore,
    RunItems,
    RunNotifiedStore,
    DispatchStore,
    CommandCounter,
    ScheduleListing
{
  private readonly t: Table;

  constructor(
    doc: DynamoDBDocumentClient,
    readonly options: StoreOptions,
  ) {
    this.t = { doc, name: options.tableName };
  }

  /** The store's reporter, joined with a call's own. */
  private report(onCorrupt?: OnCorrupt): OnCorrupt {
    return reportTo(this.options.onCorrupt, onCorrupt);
  }

  // ── Commands (CMD) ──────────────────────────────────────────────────────────────────

  /** All commands with one paged Query. Items that do not parse are reported, not thrown. */
  listCommands(): Promise<{ commands: Command[]; corrupt: CorruptItem[] }> {
    return commands.listCommands(this.t, this.report());
  }

  /** The command, undefined when there is none; throws when its item does not parse. */
  /** Every command's scheduling attributes only (the tick's read: see SCHEDULE_FIELDS). */
  listForSchedule(): Promise<{ commands: ScheduledCommand[]; corrupt: CorruptItem[] }> {
    return commands.listForSchedule(this.t, this.report());
  }

  countCommands(): Promise<number> {
    return commands.countCommands(this.t);
  }

  getCommand(id: string): Promise<Command | undefined> {
    return commands.getCommand(this.t, id);
  }

  addCommand(spec: CommandSpec, now: number): Promise<void> {
    return commands.addCommand(this.t, spec, now);
  }

  /** Replaces the spec of an existing command; schedule state, lease and pause survive. */
  updateCommand(spec: Omit<CommandSpec, "paused">): Promise<Command> {
    return commands.updateCommand(this.t, spec);
  }

  setPaused(id: string, paused: boolean): Promise<void> {
    return commands.setPaused(this.t, id, paused);
  }

  /** Deletes the command, then its run history. */
  removeCommand(id: string): Promise<void> {
    return commands.removeCommand(this.t, id);
  }

  // ── The run protocol's primitives (app/run-protocol.ts) ──────────────────────────────

  get maxRunHistory(): number {
    return this.options.maxRunHistory;
  }

  /** Changes the command's item when every condition holds (see run-items.ts). */
  updateCommandIf(
    id: string,
    change: ItemChange,
    when: readonly Condition[],
    opts?: { returnCurrent?: boolean },
  ): Promise<WriteOutcome> {
    return runItems.updateCommandIf(this.t, id, change, when, opts);
  }

  putRun(run: RunRecord, opts?: { ifAbsent?: boolean }): Promise<boolean> {
    return runs.putRun(this.t, run, opts);
  }

  deleteRunsBeyond(commandId: string, keep: number): Promise<void> {
    return runs.deleteRunsBeyond(this.t, commandId, keep);
  }

  /** Keeps the latest result's hash on the command (an unchanged result is not posted). */
  recordResultHash(id: string, hash: string): Promise<void> {
    return commands.recordResultHash(this.t, id, hash);
  }

  /** Writes a command with its schedule state as given (an import); never over a lease. */
  putCommandWithState(command: Command): Promise<boolean> {
    return commands.putCommandWithState(this.t, command);
  }

  // ── Runs (RUN#<id>) ─────────────────────────────────────────────────────────────────

  /** Newest first. */
  listRuns(id: string, limit = this.options.maxRunHistory): Promise<RunRecord[]> {
    return runs.listRuns(this.t, id, limit, this.report());
  }

  /** Every stored run of a command, newest first, across as many pages as it takes. */
  listAllRuns(id: string, onCorrupt?: OnCorrupt): Promise<RunRecord[]> {
    return runs.listAllRuns(this.t, id, this.report(onCorrupt));
  }

  /** Writes one run record as given, without trimming the history (see `deleteRun`). */
  putRunRecord(run: RunRecord): Promise<void> {
    return runs.putRunRecord(this.t, run);
  }

  deleteRun(run: Pick<RunRecord, "commandId" | "startedAt" | "runId">): Promise<void> {
    return runs.deleteRun(this.t, run);
  }

  /** Notes what became of the run's Discord post on its record. */
  recordRunNotified(
    run: Pick<RunRecord, "commandId" | "startedAt" | "runId">,
    notified: RunNotified,
  ): Promise<void> {
    return runs.recordRunNotified(this.t, run, notified);
  }

  // ── Scheduler (GLOBAL/SCHEDULER) ────────────────────────────────────────────────────

  async getLastGlobalStart(): Promise<number | undefined> {
    return (await this.getSchedulerState()).lastGlobalStartAt;
  }

  getSchedulerState(): Promise<SchedulerState> {
    return scheduler.getSchedulerState(this.t, this.report());
  }

  /** Takes the global start slot if no start happened in the last `minIntervalMs`. */
  claimGlobalSlot(
    now: number,
    minIntervalMs: number,
    token: string,
    virtualTime: number,
  ): Promise<GlobalSlot> {
    return scheduler.claimGlobalSlot(this.t, now, minIntervalMs, token, virtualTime);
  }

  /** Undoes claimGlobalSlot, unless another claimer has moved the slot since. */
  releaseGlobalSlot(token: string, previous: GlobalSlotState): Promise<void> {
    return scheduler.releaseGlobalSlot(this.t, token, previous);
  }

  /** Moves the last global start forward to `at`; never backwards. */
  advanceLastGlobalStart(at: number): Promise<boolean> {
    return scheduler.advanceLastGlobalStart(this.t, at);
  }

  /** True for exactly one caller per build id. */
  claimStartupAnnouncement(buildId: string, now: number): Promise<boolean> {
    return scheduler.claimStartupAnnouncement(this.t, buildId, now);
  }

  // ── Notifications (GLOBAL/NOTIFY, DLQ) ──────────────────────────────────────────────

  getNotifyState(): Promise<NotifyState> {
    return notify.getNotifyState(this.t, this.report());
  }

  /** Records that a message of `kind` went out at `at`. */
  recordMessageSent(kind: string, at: number, quietsHeartbeat: boolean): Promise<void> {
    return notify.recordMessageSent(this.t, kind, at, quietsHeartbeat);
  }

  putDeadLetter(letter: Omit<DeadLetter, "id">): Promise<DeadLetter> {
    return deadLetters.putDeadLetter(this.t, letter);
  }

  /** Oldest first. Items that do not parse are skipped (and counted by countDeadLetters). */
  listDeadLetters(): Promise<DeadLetter[]> {
    return deadLetters.listDeadLetters(this.t, this.report());
  }

  countDeadLetters(): Promise<number> {
    return deadLetters.countDeadLetters(this.t);
  }

  /** Takes a dead letter for redrive; false when another redrive holds it or it is gone. */
  claimDeadLetter(id: string, token: string, now: number, leaseMs: number): Promise<boolean> {
    return deadLetters.claimDeadLetter(this.t, id, token, now, leaseMs);
  }

  /** Deletes a delivered dead letter; only the redrive holding it may. */
  deleteDeadLetter(id: string, token: string): Promise<void> {
    return deadLetters.deleteDeadLetter(this.t, id, token);
  }

  /** Gives a dead letter back after a failed redrive, noting the attempt. */
  releaseDeadLetter(id: string, token: string, reason: string, now: number): Promise<void> {
    return deadLetters.releaseDeadLetter(this.t, id, token, reason, now);
  }

  // ── Metrics (METRICS) ───────────────────────────────────────────────────────────────

  /** Atomically adds to a counter (created at 0 on first use). */
  incrementCounter(name: string, labels: MetricLabels = {}, by = 1): Promise<void> {
    return metrics.incrementCounter(this.t, name, labels, by);
  }

  listMetrics(onCorrupt?: OnCorrupt): Promise<StoredMetric[]> {
    return metrics.listMetrics(this.t, this.report(onCorrupt));
  }

  // ── Audits (AUDIT) ──────────────────────────────────────────────────────────────────

  /** Every work item's last triage audit time. */
  listAuditTimes(onCorrupt?: OnCorrupt): Promise<AuditTime[]> {
    return audits.listAuditTimes(this.t, this.report(onCorrupt));
  }

  /** Records a work item's audit time unless the store already holds a later one. */
  putAuditTime(audit: AuditTime): Promise<boolean> {
    return audits.putAuditTime(this.t, audit);
  }

  /** When a triage audit last looked at a Worklog item (epoch ms); undefined when never. */
  getLastAudit(workItemId: string): Promise<number | undefined> {
    return audits.getLastAudit(this.t, workItemId, this.report());
  }

  /** Records an audit of a Worklog item by a command; an older time never replaces a newer one. */
  async recordAudit(workItemId: string, at: number, commandId: string): Promise<void> {
    await audits.putAuditTime(this.t, { workItemId, lastAuditAt: at, commandId });
  }

  // ── PR monitor reports (PRMON) ──────────────────────────────────────────────────────

  /** Claims the report of a failing PR at one head commit; false when it exists already. */
  claimPrReport(report: PrReport): Promise<boolean> {
    return prReports.claimPrReport(this.t, report);
  }

  setPrReportWorkItem(key: PrReportKey, workItemId: string): Promise<void> {
    return prReports.setPrReportWorkItem(this.t, key, workItemId);
  }

  /** Gives back a claim whose work item was never created. */
  releasePrReport(key: PrReportKey): Promise<void> {
    return prReports.releasePrReport(this.t, key);
  }

  getPrReport(key: PrReportKey): Promise<PrReport | undefined> {
    return prReports.getPrReport(this.t, key, this.report());
  }

  // ── Dispatches (DISPATCH) ───────────────────────────────────────────────────────────

  /** Records a dispatch (AMPA's claim on a work item) unless a live claim holds the item. */
  claimDispatch(record: DispatchRecord, staleBefore: number): Promise<boolean> {
    return dispatches.claimDispatch(this.t, record, staleBefore);
  }

  /** Every work item's latest dispatch. */
  listDispatches(onCorrupt?: OnCorrupt): Promise<DispatchRecord[]> {
    return dispatches.listDispatches(this.t, this.report(onCorrupt));
  }

  /** Gives up the claim `runId` made on a work item. */
  releaseDispatch(workItemId: string, runId: string, at: number, reason: string): Promise<boolean> {
    return dispatches.releaseDispatch(this.t, workItemId, runId, at, reason);
  }
}
