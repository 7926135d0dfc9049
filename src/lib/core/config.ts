import type { TaskSize } from "./usage.js";

/**
 * The service's settings, as the runtime reads them from the environment (see
 * runtime/config.ts for the variables and their defaults). Times are milliseconds.
 */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto`: readable lines on a terminal, JSON lines anywhere else. */
export const LOG_FORMATS = ["json", "pretty", "auto"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where the state lives: the table, and the local store behind `npm start`. */
export interface StoreConfig {
  stage: string;
  region: string;
  tableName: string;
  maxRunHistory: number;
  storeDir: string;
  dynamodbEndpoint: string | undefined;
  /** The local store's key (AMPA_DYNAMODB_KEY): every request to it must carry it. */
  dynamodbKey: string | undefined;
}

/** The tick: how often it looks, how far apart starts are, the LLM gate, the startup post. */
export interface SchedulerConfig {
  pollIntervalMs: number;
  globalMinIntervalMs: number;
  priorityWeight: number;
  llmHealthcheckUrl: string;
  llmProbeTimeoutMs: number;
  runScheduler: boolean;
  /** The tick period EventBridge (or serverless-offline) fires at. */
  tickIntervalMs: number;
  /** The deployment's build (`${sls:instanceId}`): the startup message goes out once per build. */
  buildId: string | undefined;
}

/** A run: where it starts, how long it may take, its lease, its output, its workspace. */
export interface RunsConfig {
  commandCwd: string;
  defaultMaxRuntimeMinutes: number;
  /** A lease lasts this long past its worker's last renewal (AMPA_LEASE_TTL_SECONDS). */
  leaseTtlMs: number;
  /** How often a running worker renews its lease (AMPA_LEASE_RENEW_SECONDS). */
  leaseRenewMs: number;
  maxOutputBytes: number;
  /** AMPA_WORKSPACE_REPO: task runs clone it (app/workspace.ts); else they use commandCwd. */
  workspaceRepo: string | undefined;
  /** AMPA_WORKSPACE_REF: the branch or tag to clone; else the remote's default branch. */
  workspaceRef: string | undefined;
  /** AMPA_WORKSPACE_DIR: where workspaces are made; else the OS temp directory. */
  workspaceDir: string | undefined;
}

/** Where a claim goes: runCommand (or inline) for `function` runs, ECS or a local worker for `task` runs. */
export interface DispatchConfig {
  dispatch: "lambda" | "inline";
  runCommandFunction: string;
  lambdaEndpoint: string | undefined;
  /** The ECS cluster task runs start in (`ampa-<stage>`). */
  taskCluster: string;
  /** The worker's task definition family (`ampa-<stage>-worker`): RunTask takes its latest revision. */
  taskDefinition: string;
  /** `/ampa/<stage>/task-network`: the stack's subnets and security group, as JSON. */
  taskNetworkParam: string;
  /** Time a `task` run's worker has to start and take its lease (AMPA_TASK_START_SECONDS). */
  taskStartMs: number;
  /** Locally: run task workers in a container (AMPA_TASK_CONTAINER) when docker/podman is on PATH. */
  taskContainer: boolean;
  /** The worker image for local container runs (AMPA_TASK_IMAGE). */
  taskImage: string;
  /**
   * A task's size (AMPA_TASK_CPU, AMPA_TASK_MEMORY: the task definition's): task runs
   * record their compute time with it. Locally the same figures, though no Fargate bills them.
   */
  taskSize: TaskSize;
}

/** Discord: the webhook, the delivery policy, dead letters, the heartbeat, the local inbox. */
export interface NotifyConfig {
  discordWebhook: string | undefined;
  discordWebhookParam: string;
  webhookCacheMs: number;
  backoffBaseMs: number;
  maxRetries: number;
  discordTimeoutMs: number;
  deadLetterWebhook: string | undefined;
  deadLetterFile: string | undefined;
  heartbeatMinutes: number;
  inboxPort: number;
}

/** The Worklog runs: `wl` and `gh` calls, the delegate's name, PR checks. */
export interface WorklogConfig {
  /** Longest one `wl` (or `gh`) call may take. */
  wlTimeoutMs: number;
  /** The assignee AMPA sets on a work item it claims for an agent (AMPA_DELEGATE_ASSIGNEE). */
  delegateAssignee: string;
  /** Confirm a PR URL in audit output with `gh pr view` before auto-completing. */
  verifyPrWithGh: boolean;
  /** The agent of a command that names none (AMPA_DEFAULT_AGENT); opencode when unset. */
  defaultAgent?: string | undefined;
}

/** Discord's Interactions Endpoint and `ampa discord register` (docs/discord.md). */
export interface DiscordConfig {
  /** The application's public key (hex); else the SSM parameter below. */
  discordPublicKey: string | undefined;
  /** `/ampa/<stage>/discord/public-key`. */
  discordPublicKeyParam: string;
  /** Who may change anything: `user:<id>` / `role:<id>` entries; else the SSM parameter below. */
  discordAllowlist: string | undefined;
  /** `/ampa/<stage>/discord/allowlist`. */
  discordAllowlistParam: string;
  /** The key sealing buttons' custom_ids; else the SSM parameter below (none: no buttons). */
  discordButtonKey: string | undefined;
  /** `/ampa/<stage>/discord/button-key`. */
  discordButtonKeyParam: string;
  /** Discord's REST API (a test's server locally). */
  discordApiUrl: string;
  /** The bot token `ampa discord register` uses; else the SSM parameter below. */
  discordBotToken: string | undefined;
  /** `/ampa/<stage>/discord/bot-token`. */
  discordBotTokenParam: string;
  /** Application mode: the channel the bot posts to (with the bot token); else the SSM parameter below. */
  discordChannelId: string | undefined;
  /** `/ampa/<stage>/discord/channel-id`. */
  discordChannelIdParam: string;
  /** The interactions function (`ampa-<stage>-interactions`): follow-ups invoke it. */
  interactionsFunction: string;
  /** The runOnce function (`ampa-<stage>-runOnce`): `/ampa run` invokes it. */
  runOnceFunction: string;
}

/** The HTTP side: /metrics's port and token. */
export interface HttpConfig {
  metricsPort: number;
  /** The bearer token /metrics requires (AMPA_METRICS_TOKEN); else the SSM parameter below. */
  metricsToken: string | undefined;
  /** `/ampa/<stage>/metrics-token`: when it exists, /metrics requires its token. */
  metricsTokenParam: string;
}

export interface LogConfig {
  logLevel: LogLevel;
  /** AMPA_LOG_FORMAT; always `json` on Lambda unless set. */
  logFormat: LogFormat;
}

/** What runs this process (runtime/config.ts: lambdaRuntime). */
export interface PlatformConfig {
  /**
   * Running on AWS Lambda itself, not under serverless-offline or `osls invoke local`:
   * the webhook may come from SSM.
   */
  onLambda: boolean;
  /**
   * On AWS: Lambda, or an ECS task (the task worker). Secrets (webhook, metrics token, a
   * task's git token and environment) come from SSM; an invalid setting fails the start.
   */
  onAws: boolean;
  /** Running under `osls invoke local`: the store may be that of a running `npm start`. */
  invokedLocally: boolean;
}

/**
 * Every setting, group by group. Only composition roots hold it whole: each use case
 * receives the few fields it reads (its own settings type, e.g. RunnerSettings).
 */
export type Config = StoreConfig &
  SchedulerConfig &
  RunsConfig &
  DispatchConfig &
  NotifyConfig &
  WorklogConfig &
  HttpConfig &
  DiscordConfig &
  LogConfig &
  PlatformConfig;

/** What a runner reads (RunnerContext.config): where and how long its programs run. */
export type RunnerSettings = Pick<
  RunsConfig,
  "commandCwd" | "maxOutputBytes" | "workspaceRepo" | "workspaceRef"
> &
  WorklogConfig;
