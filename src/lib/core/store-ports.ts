/**
 * The store ports: what the use cases read and write in the state table, one interface per
 * concern, so that each use case depends on the few methods it calls. The DynamoDB
 * adapter (adapters/dynamodb) implements them; the run protocol's own writes go through
 * the primitives of run-items.ts.
 */
import type { Command, CommandSpec, RunNotified, RunRecord } from "./command.js";
import type { SchedulerState } from "./scheduler/select.js";

/** A stored item that does not parse: skipped by readers, reported, never thrown. */
export interface CorruptItem {
  key: string;
  error: string;
}

/** Told about each item a reader skips because it does not parse. */
export type OnCorrupt = (item: CorruptItem) => void;

/** Commands as the use cases read them. */
export interface CommandStore {
  /** All commands; items that do not parse come back in `corrupt`. */
  listCommands(): Promise<{ commands: Command[]; corrupt: CorruptItem[] }>;
  getCommand(id: string): Promise<Command | undefined>;
}

/** The hash of each command's latest result, kept on its item (core/result-hash.ts). */
export interface ResultHashStore {
  recordResultHash(id: string, hash: string): Promise<void>;
}

/** Notes on a stored run what became of its Discord post (a trimmed record: nothing). */
export interface RunNotifiedStore {
  recordRunNotified(
    run: Pick<RunRecord, "commandId" | "startedAt" | "runId">,
    notified: RunNotified,
  ): Promise<void>;
}

/** Operator edits of commands (CLI, import). */
export interface CommandAdmin {
  addCommand(spec: CommandSpec, now: number): Promise<void>;
  updateCommand(spec: Omit<CommandSpec, "paused">): Promise<Command>;
  setPaused(id: string, paused: boolean): Promise<void>;
  removeCommand(id: string): Promise<void>;
}

/** What the global slot held before a claim, so a claimer that starts nothing can give it back. */
export interface GlobalSlotState {
  lastGlobalStartAt: number | undefined;
  virtualTime: number | undefined;
  virtualTimeAt: number | undefined;
}

export type GlobalSlot = { claimed: true; previous: GlobalSlotState } | { claimed: false };

/** The scheduler-wide item: the global start slot, virtual time, the startup announcement. */
export interface SchedulerStore {
  getLastGlobalStart(): Promise<number | undefined>;
  getSchedulerState(): Promise<SchedulerState>;
  /** Takes the slot at `now` (none in the last `minIntervalMs`) and sets the virtual time. */
  claimGlobalSlot(
    now: number,
    minIntervalMs: number,
    token: string,
    virtualTime: number,
  ): Promise<GlobalSlot>;
  releaseGlobalSlot(token: string, previous: GlobalSlotState): Promise<void>;
  claimStartupAnnouncement(buildId: string, now: number): Promise<boolean>;
}

export type MetricLabels = Record<string, string>;

export interface StoredMetric {
  name: string;
  labels: Record<string, string>;
  kind: "counter" | "gauge";
  value: number;
}

/** Counters shared by every container (Lambda containers come and go). */
export interface CounterStore {
  incrementCounter(name: string, labels?: MetricLabels, by?: number): Promise<void>;
}

export interface NotifyState {
  lastMessageAt?: number | undefined;
  lastMessageKind?: string | undefined;
  lastHeartbeatAt?: number | undefined;
  lastNonHeartbeatAt?: number | undefined;
}

/** A notification that could not be delivered, kept until a redrive delivers it. */
export interface DeadLetter {
  id: string;
  kind: string;
  content: string;
  reason: string;
  attempts: number;
  createdAt: number;
  redriveAttempts?: number | undefined;
  lastAttemptAt?: number | undefined;
  /** The run whose post this is, when it is one (older letters and other kinds: none). */
  commandId?: string | undefined;
  runId?: string | undefined;
}

/** When messages went out (heartbeat suppression). */
export interface MessageLog {
  getNotifyState(): Promise<NotifyState>;
  recordMessageSent(kind: string, at: number, quietsHeartbeat: boolean): Promise<void>;
}

/** Notifications kept until a redrive delivers them. */
export interface DeadLetterStore {
  putDeadLetter(letter: Omit<DeadLetter, "id">): Promise<DeadLetter>;
  listDeadLetters(): Promise<DeadLetter[]>;
  claimDeadLetter(id: string, token: string, now: number, leaseMs: number): Promise<boolean>;
  deleteDeadLetter(id: string, token: string): Promise<void>;
  releaseDeadLetter(id: string, token: string, reason: string, now: number): Promise<void>;
}

/** Message times (heartbeat suppression), dead letters and counters. */
export interface NotifyStore extends CounterStore, MessageLog, DeadLetterStore {}

/** When a triage audit last looked at a work item, and which command did. */
export interface AuditTime {
  workItemId: string;
  lastAuditAt: number;
  commandId: string;
}

export interface AuditStore {
  getLastAudit(workItemId: string): Promise<number | undefined>;
  recordAudit(workItemId: string, at: number, commandId: string): Promise<void>;
}

/** A failing PR reported by the PR monitor: one per PR and head commit, never twice. */
export interface PrReport {
  /** `owner/repo` when the command names one, else `""` (the repository of the command cwd). */
  repo: string;
  number: number;
  headOid: string;
  commandId: string;
  reportedAt: number;
  /** The work item created for it, once created. */
  workItemId?: string | undefined;
}

export type PrReportKey = Pick<PrReport, "repo" | "number" | "headOid">;

/**
 * A PR whose failures are not reported any more (Discord's Ignore on its post): the PR
 * monitor creates no work item and posts nothing for it, whatever its head commit.
 */
export interface PrIgnore {
  /** As in {@link PrReport}: `""` for the repository of the command cwd. */
  repo: string;
  number: number;
  /** Who clicked Ignore (Discord's user id and name), and when. */
  userId: string;
  userName: string;
  ignoredAt: number;
}

export type PrIgnoreKey = Pick<PrIgnore, "repo" | "number">;

export interface PrReportStore {
  /** Claims the report of this PR and commit; false when it was reported (or is being) already. */
  claimPrReport(report: PrReport): Promise<boolean>;
  /** Notes the work item created for a claimed report. */
  setPrReportWorkItem(key: PrReportKey, workItemId: string): Promise<void>;
  /** Gives a claim back (the work item could not be created): the next run tries again. */
  releasePrReport(key: PrReportKey): Promise<void>;
  getPrReport(key: PrReportKey): Promise<PrReport | undefined>;
  /** Records that the PR is ignored; false when it is already (the first record stays). */
  ignorePullRequest(ignore: PrIgnore): Promise<boolean>;
  getPullRequestIgnore(key: PrIgnoreKey): Promise<PrIgnore | undefined>;
}

/**
 * A work item AMPA handed to an agent (one item per work item: the latest dispatch). It is
 * AMPA's claim on the item until it is released, goes stale or the item's stage moves on.
 */
export interface DispatchRecord {
  workItemId: string;
  /** `intake`, `plan` or `implement`. */
  action: string;
  /** The item's stage when it was dispatched. */
  stage: string;
  commandId: string;
  runId: string;
  /** The assignee AMPA set on the item. */
  assignee: string;
  dispatchedAt: number;
  /** Set when the claim was given up (the stale-delegation watchdog, a failed claim). */
  releasedAt?: number | undefined;
  releaseReason?: string | undefined;
  /** The item's status before AMPA claimed it (restored when a run did not move it). */
  status?: string | undefined;
  /**
   * Which dispatch of the item at this stage for this action this is, counting only the
   * earlier ones that did not move it (1: the first, or the first since it moved).
   */
  attempt?: number | undefined;
  /** The runs of those dispatches, oldest first, this one last. */
  attemptRuns?: string[] | undefined;
  /** What the dispatch came to, once known (when its run ended, or found abandoned). */
  outcome?: DispatchOutcome | undefined;
  judgedAt?: number | undefined;
  /** When a dispatch that did not move the item allows the next one (its backoff). */
  retryAt?: number | undefined;
  /** Set when AMPA stopped dispatching the item: it waits for a person. */
  escalatedAt?: number | undefined;
  /** The item's `updatedAt` after the escalation: a later one is a person's change. */
  escalatedUpdatedAt?: string | undefined;
  /** Set when a person approved the escalated item from Discord: a fresh count of attempts. */
  escalationApprovedAt?: number | undefined;
}

/**
 * `moved`: the run ended with the item at another stage or status; `unmoved`: the agent
 * exited cleanly but left the item where it was; `failed`: the agent failed, or its run
 * was abandoned (killed, crashed) and the watchdog or a later run found the claim.
 */
export type DispatchOutcome = "moved" | "unmoved" | "failed";

/** What a dispatch came to, written once, only while it is still that run's record. */
export interface DispatchJudgement {
  outcome: DispatchOutcome;
  judgedAt: number;
  /** The backoff's end, for a dispatch that did not move the item and is not the last. */
  retryAt?: number | undefined;
  /** Give the claim up as well (the item is put back or escalated). */
  release?: { reason: string } | undefined;
  escalation?: { at: number; updatedAt: string } | undefined;
}

export interface DispatchStore {
  /**
   * Records a dispatch unless a live claim holds the item: one not released, made at the
   * same stage, at or after `staleBefore`. False when such a claim exists.
   */
  claimDispatch(record: DispatchRecord, staleBefore: number): Promise<boolean>;
  listDispatches(): Promise<DispatchRecord[]>;
  /** Marks the run's dispatch of the item released; false when it is not that run's. */
  releaseDispatch(workItemId: string, runId: string, at: number, reason: string): Promise<boolean>;
  /** Records what the run's dispatch came to; false when it is not that run's, or judged. */
  judgeDispatch(workItemId: string, runId: string, judgement: DispatchJudgement): Promise<boolean>;
  /**
   * Approves the item's escalation (Discord's Approve button): delegation may dispatch it
   * again, with a fresh count. False when the item's latest dispatch is not escalated, or
   * (with `runId`) is not that run's, or was approved already.
   */
  approveEscalation(workItemId: string, runId: string | undefined, at: number): Promise<boolean>;
}

/** A command's latest runs (Discord's `/ampa logs`). */
export interface RunHistory {
  /** The newest `limit` runs, newest first. */
  listRuns(id: string, limit?: number): Promise<RunRecord[]>;
}

/** What became of an action asked for from Discord. */
export type ActionOutcome = "pending" | "done" | "failed" | "refused";

/** One action asked for from Discord: who, what, when, from which interaction and message. */
export interface ActionRecord {
  /** When Discord made the interaction (its id's time): with the id, the item's key. */
  at: number;
  interactionId: string;
  userId: string;
  userName: string;
  /** The slash command's subcommand (`pause`, `run`, `deadletters redrive`, …). */
  action: string;
  commandId?: string | undefined;
  /** The work item an Approve or Keep held button was about (instead of a command). */
  workItemId?: string | undefined;
  /** The PR an Ignore button was about (`<repo>#<number>`, core/github.ts). */
  pullRequest?: string | undefined;
  /** The run a button's post was about. */
  runId?: string | undefined;
  channelId?: string | undefined;
  /** The message a button was on (none for a slash command). */
  messageId?: string | undefined;
  outcome: ActionOutcome;
  /** What came of it, in a line (an error's message, a run's outcome). */
  detail?: string | undefined;
  finishedAt?: number | undefined;
}

export type ActionKey = Pick<ActionRecord, "at" | "interactionId">;

/** The action log: every action asked for from Discord, allowed or refused. */
export interface ActionLog {
  /** Records a new action; false when this interaction's is recorded already (a replay). */
  claimAction(record: ActionRecord): Promise<boolean>;
  finishAction(
    key: ActionKey,
    result: { outcome: ActionOutcome; detail?: string | undefined; at: number },
  ): Promise<void>;
  /** The newest `limit` actions, newest first. */
  listActions(limit: number): Promise<ActionRecord[]>;
}

/** What import and export of the Python daemon's store read and write. */
export interface TransferStore extends CommandStore {
  putCommandWithState(command: Command): Promise<boolean>;
  putRunRecord(run: RunRecord): Promise<void>;
  deleteRun(run: Pick<RunRecord, "commandId" | "startedAt" | "runId">): Promise<void>;
  listAllRuns(id: string, onCorrupt?: OnCorrupt): Promise<RunRecord[]>;
  listAuditTimes(onCorrupt?: OnCorrupt): Promise<AuditTime[]>;
  putAuditTime(audit: AuditTime): Promise<boolean>;
  getLastGlobalStart(): Promise<number | undefined>;
  advanceLastGlobalStart(at: number): Promise<boolean>;
}
