/**
 * The ports: what the use cases (src/lib/app) need from the world, declared here so that
 * they depend on these interfaces and never on an adapter. The DynamoDB store
 * (adapters/dynamodb) implements the store ports; Lambda and inline dispatch implement
 * Dispatch; the process adapter implements ProcessRunner and ToolRunner.
 */
import type {
  Command,
  CommandSpec,
  CommandType,
  RunClaim,
  RunNotified,
  RunOutcome,
  RunRecord,
} from "./command.js";
import type { RunnerSettings } from "./config.js";
import type { SchedulerState } from "./scheduler/select.js";
import type { WebhookPayload } from "./discord-message.js";
import type { Logger } from "./logger.js";
import type { AsUser, Workspace } from "./task-ports.js";

/** Epoch milliseconds now. Passed in everywhere, so tests can fix it. */
export type Clock = () => number;

/** A stored item that does not parse: skipped by readers, reported, never thrown. */
export interface CorruptItem {
  key: string;
  error: string;
}

/** Told about each item a reader skips because it does not parse. */
export type OnCorrupt = (item: CorruptItem) => void;

export interface ClaimRequest {
  runId: string;
  owner: string;
  now: number;
  expiresAt: number;
  /**
   * Optimistic check for scheduled starts: the lastStartAt the caller saw when it chose
   * the command. A second tick that saw the same state loses. `"any"` skips the check.
   */
  expectedLastStartAt: number | undefined | "any";
  /** The schedule state the start leaves on the command (core/scheduler stateAfterStart). */
  schedule: { dueAt: number; virtualFinish: number };
}

/** Commands, their leases and their runs. */
export interface CommandStore {
  /** All commands; items that do not parse come back in `corrupt`. */
  listCommands(): Promise<{ commands: Command[]; corrupt: CorruptItem[] }>;
  getCommand(id: string): Promise<Command | undefined>;
  /** Takes the command's lease; false when another run holds it or it changed. */
  claimLease(id: string, req: ClaimRequest): Promise<boolean>;
  /**
   * Marks the run started by `worker` with its lease at `expiresAt`; false when it was
   * started already (a redelivery) or its lease is gone: then nothing may run.
   */
  startRun(claim: RunClaim, worker: string, now: number, expiresAt: number): Promise<boolean>;
  /** Extends the run's lease to `expiresAt`; false once the run no longer holds it. */
  renewLease(claim: RunClaim, now: number, expiresAt: number): Promise<boolean>;
  /** Records the run and releases the lease while `claim` holds it; false for a late finisher. */
  finishRun(claim: RunClaim, run: RunRecord): Promise<boolean>;
  /** Writes `run` (an abandoned record) and frees the expired lease it stands for. */
  recoverExpiredLease(command: Pick<Command, "id">, run: RunRecord, now: number): Promise<boolean>;
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

/** Message times (heartbeat suppression) and dead letters. */
export interface NotifyStore extends CounterStore {
  getNotifyState(): Promise<NotifyState>;
  recordMessageSent(kind: string, at: number, quietsHeartbeat: boolean): Promise<void>;
  putDeadLetter(letter: Omit<DeadLetter, "id">): Promise<DeadLetter>;
  listDeadLetters(): Promise<DeadLetter[]>;
  claimDeadLetter(id: string, token: string, now: number, leaseMs: number): Promise<boolean>;
  deleteDeadLetter(id: string, token: string): Promise<void>;
  releaseDeadLetter(id: string, token: string, reason: string, now: number): Promise<void>;
}

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

export interface PrReportStore {
  /** Claims the report of this PR and commit; false when it was reported (or is being) already. */
  claimPrReport(report: PrReport): Promise<boolean>;
  /** Notes the work item created for a claimed report. */
  setPrReportWorkItem(key: PrReportKey, workItemId: string): Promise<void>;
  /** Gives a claim back (the work item could not be created): the next run tries again. */
  releasePrReport(key: PrReportKey): Promise<void>;
  getPrReport(key: PrReportKey): Promise<PrReport | undefined>;
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

/** Hands a claimed run to its runner: an async Lambda invocation on AWS, a direct call inline. */
export type Dispatch = (command: Command, claim: RunClaim) => Promise<void>;

/** Shortens text for Discord; undefined when it cannot (the caller then cuts the text). */
export type Summarizer = (text: string) => Promise<string | undefined>;

// ── Discord ─────────────────────────────────────────────────────────────────────────

/** How hard to try. */
export interface DeliveryPolicy {
  /** The first retry waits this long; each further retry waits twice as long as the one before. */
  backoffBaseMs: number;
  /** Retries after the first attempt, so at most maxRetries + 1 attempts. */
  maxRetries: number;
  /** Longest time one request may take, headers and body; also capped by the deadline. */
  requestTimeoutMs: number;
}

/** Time and logging, passed in so callers (and tests) control them. */
export interface DeliveryContext {
  /** Epoch ms: never wait or keep a request open past this (the Lambda invocation's end, minus a margin the caller chooses). */
  deadline: number;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
}

/** The outcome of a delivery; `reason` is short, human, and never contains the webhook token. */
export type DeliveryResult =
  | { delivered: true; attempts: number; status: number }
  | { delivered: false; attempts: number; status?: number; reason: string };

/** POSTs a payload to a webhook per the policy; never throws (adapters/discord.ts). */
export type DeliverToWebhook = (
  url: string,
  payload: WebhookPayload,
  policy: DeliveryPolicy,
  ctx: DeliveryContext,
) => Promise<DeliveryResult>;

/** Where the Discord webhook came from, for /health and messages (never the URL itself). */
export type WebhookOrigin = "environment" | "ssm" | "local-inbox";

export interface ResolvedWebhook {
  url: string;
  origin: WebhookOrigin;
}

/** The webhook, resolved when needed (environment, SSM, or the local inbox). */
export type WebhookSource = () => Promise<ResolvedWebhook | undefined>;

/** What a message is about; a label on ampa_discord_messages_total. */
export type MessageKind = "command" | "heartbeat" | "startup" | "audit" | "delegation";

export interface SendResult {
  delivered: boolean;
  attempts: number;
  /** Set when the message was not delivered: it is kept as this dead letter. */
  deadLetterId?: string;
  reason?: string;
}

/** The run a message is about: kept on its dead letter, if it becomes one. */
export interface MessageAbout {
  commandId: string;
  runId: string;
}

/** Posts markdown messages (app/notify/notifier.ts implements it over Discord). */
export interface Notify {
  send(kind: MessageKind, markdown: string, about?: MessageAbout): Promise<SendResult>;
  /** True when a webhook resolves (environment, SSM or the local inbox). */
  configured(): Promise<boolean>;
}

// ── Runners ─────────────────────────────────────────────────────────────────────────

export interface RunnerContext {
  /** The few settings runners read, not the whole Config. */
  config: RunnerSettings;
  /** The command and run this is (recorded on what the run claims, e.g. a dispatch). */
  commandId: string;
  runId: string;
  log: Logger;
  /** Epoch ms by which the runner must have finished (max runtime, lease, Lambda time). */
  deadline: number;
  clock: Clock;
  /** Aborts when the run loses its lease: the runner kills what it started and returns. */
  signal: AbortSignal;
  /**
   * Where a task run executes (app/workspace.ts): its cwd and the environment it adds
   * (secrets, GH_TOKEN). Without it, runs use AMPA_COMMAND_CWD and the process's environment.
   */
  workspace?: Workspace;
}

export interface RunnerResult {
  exitCode: number;
  output: string;
  outputTruncatedBytes: number;
  outcome: RunOutcome;
}

export type Runner = (command: Command, ctx: RunnerContext) => Promise<RunnerResult>;
export type Runners = Record<CommandType, Runner>;

// ── Processes (adapters/process) ────────────────────────────────────────────────────

export interface ShellResult {
  exitCode: number;
  output: string;
  outputTruncatedBytes: number;
  timedOut: boolean;
  durationMs: number;
}

export interface ShellOptions extends AsUser {
  cwd: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Laid over the allowlisted environment (core/child-env.ts): a workspace's secrets. */
  extraEnv?: Readonly<Record<string, string>>;
  /** The definition's `metadata.inherit_aws_credentials`: the worker's AWS credentials pass too. */
  inheritAwsCredentials?: boolean;
  /** Time between SIGTERM and SIGKILL of the process group on timeout. */
  killGraceMs?: number;
  /** Kills the process group when it aborts (the run lost its lease). */
  signal?: AbortSignal;
}

/** Runs an operator-defined shell command line in its own process group; never throws. */
export type ShellRunner = (command: string, opts: ShellOptions) => Promise<ShellResult>;

/** What one run of an external program (wl, opencode, gh) produced. */
export interface ToolResult {
  program: string;
  args: readonly string[];
  /** Undefined when the program was missing, timed out or was killed. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  missing: boolean;
  timedOut: boolean;
}

export interface ToolOptions extends AsUser {
  cwd: string;
  timeoutMs: number;
  /** Laid over the allowlisted environment (core/child-env.ts): a workspace's secrets. */
  extraEnv?: Readonly<Record<string, string>>;
  /** PATH to look the program up in (defaults to the process's PATH). */
  path?: string;
  /** Kills the program's process group when it aborts (the run lost its lease). */
  signal?: AbortSignal;
}

/** Runs an external tool and returns its result; never throws. */
export type ToolRunner = (
  program: string,
  args: readonly string[],
  opts: ToolOptions,
) => Promise<ToolResult>;
