/**
 * The service's settings, as the runtime reads them from the environment (see
 * runtime/config.ts for the variables and their defaults). Times are milliseconds.
 */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto`: readable lines on a terminal, JSON lines anywhere else. */
export const LOG_FORMATS = ["json", "pretty", "auto"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Config {
  stage: string;
  region: string;
  tableName: string;
  pollIntervalMs: number;
  globalMinIntervalMs: number;
  priorityWeight: number;
  llmHealthcheckUrl: string;
  llmProbeTimeoutMs: number;
  maxRunHistory: number;
  storeDir: string;
  commandCwd: string;
  defaultMaxRuntimeMinutes: number;
  /** A lease lasts this long past its worker's last renewal (AMPA_LEASE_TTL_SECONDS). */
  leaseTtlMs: number;
  /** How often a running worker renews its lease (AMPA_LEASE_RENEW_SECONDS). */
  leaseRenewMs: number;
  /** Time a `task` run's worker has to start and take its lease (AMPA_TASK_START_SECONDS). */
  taskStartMs: number;
  maxOutputBytes: number;
  dynamodbEndpoint: string | undefined;
  dispatch: "lambda" | "inline";
  runCommandFunction: string;
  lambdaEndpoint: string | undefined;
  metricsPort: number;
  logLevel: LogLevel;
  /** AMPA_LOG_FORMAT; always `json` on Lambda unless set. */
  logFormat: LogFormat;
  runScheduler: boolean;
  /** The tick period EventBridge (or serverless-offline) fires at. */
  tickIntervalMs: number;
  discordWebhook: string | undefined;
  discordWebhookParam: string;
  webhookCacheMs: number;
  /** The bearer token /metrics requires (AMPA_METRICS_TOKEN); else the SSM parameter below. */
  metricsToken: string | undefined;
  /** `/ampa/<stage>/metrics-token`: when it exists, /metrics requires its token. */
  metricsTokenParam: string;
  backoffBaseMs: number;
  maxRetries: number;
  discordTimeoutMs: number;
  deadLetterWebhook: string | undefined;
  deadLetterFile: string | undefined;
  heartbeatMinutes: number;
  inboxPort: number;
  /** Longest one `wl` (or `gh`) call may take. */
  wlTimeoutMs: number;
  /** Confirm a PR URL in audit output with `gh pr view` before auto-completing. */
  verifyPrWithGh: boolean;
  /** The deployment's build (`${sls:instanceId}`): the startup message goes out once per build. */
  buildId: string | undefined;
  /**
   * Running on AWS Lambda itself, not under serverless-offline or `osls invoke local`:
   * the webhook may come from SSM.
   */
  onLambda: boolean;
  /** Running under `osls invoke local`: the store may be that of a running `npm start`. */
  invokedLocally: boolean;
}
