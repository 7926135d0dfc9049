import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import type {
  Config,
  DispatchConfig,
  DiscordConfig,
  HttpConfig,
  LogConfig,
  NotifyConfig,
  PlatformConfig,
  RunsConfig,
  SchedulerConfig,
  StoreConfig,
  WorklogConfig,
} from "../core/config.js";
import { ConfigError } from "../core/errors.js";
import { redactSecrets } from "../core/secrets.js";
import { replaceFile } from "../adapters/private-files.js";
import { fargateTaskSize } from "../core/usage.js";
import { booleanish, CHILD_VARIABLES, editDistance, type Env } from "./config-values.js";
import {
  type ConfigWarning,
  knobs,
  lambdaRuntime,
  onAws,
  onLambda,
  type RawConfig,
  readKnobs,
} from "./config-knobs.js";
import { LIMIT_VARIABLES } from "./limits.js";

export type { Config } from "../core/config.js";

/**
 * Configuration from the environment, with a `.env` at the project root overriding it
 * (as the Python seed did). `AMPA_LOAD_DOTENV=0` turns the file off. A value that does
 * not parse is replaced by its default with a warning naming the variable, except on
 * Lambda, where it fails the cold start (see {@link loadConfig}). An `AMPA_*` variable
 * that is no setting gets a warning with the nearest known name. The variables are in
 * runtime/config-knobs.ts; those read at the moment of use in runtime/process-settings.ts.
 */
export type { Env } from "./config-values.js";

/**
 * `AMPA_*` variables that AMPA reads or sets outside the table above: the `.env` switches,
 * `npm start`'s own (scripts/start.ts, serverless.yml) and the test suites'.
 */
const OTHER_AMPA_VARIABLES = [
  "AMPA_LOAD_DOTENV",
  "AMPA_ENV_FILE",
  "AMPA_LAMBDA_PORT",
  "AMPA_ESBUILD_DIR",
  "AMPA_TEST_STORE",
  "AMPA_TEST_LOG_LEVEL",
  "AMPA_TEST_SHOW_LOGS",
  "AMPA_DOUBLES_DIR",
  // `npm run bench -- --only cli` measuring another checkout's CLI (scripts/bench/cli-start.ts).
  "AMPA_BENCH_CLI",
  // The agents `npm run image` installs when --agents names none (scripts/image.ts).
  "AMPA_IMAGE_AGENTS",
  // A task run's claim, set by the ECS dispatch (adapters/ecs-dispatch.ts) for the worker.
  "AMPA_CLAIM",
  // A local task run's live output file, set by its dispatcher (adapters/process/worker-dispatch.ts).
  "AMPA_LIVE_OUTPUT",
  // Read at the moment of use (runtime/process-settings.ts): the task worker's agent user,
  // the metrics function's metricsPublic.
  ...["AMPA_AGENT_UID", "AMPA_AGENT_GID"],
  "AMPA_METRICS_PUBLIC",
];
const KNOWN_VARIABLES = [
  ...Object.keys(knobs),
  ...OTHER_AMPA_VARIABLES,
  ...LIMIT_VARIABLES,
  ...CHILD_VARIABLES,
];

export function nearestKnownVariable(name: string): string {
  let best = KNOWN_VARIABLES[0] ?? name;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of KNOWN_VARIABLES) {
    const distance = editDistance(name, known);
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  return best;
}

/** A warning for each `AMPA_*` variable that is no setting; the value is never shown. */
function unknownVariables(env: Env): ConfigWarning[] {
  return Object.keys(env)
    .filter((name) => name.startsWith("AMPA_") && !KNOWN_VARIABLES.includes(name))
    .sort()
    .map((name) => ({
      kind: "unknown",
      variable: name,
      value: "",
      problem: "",
      message: `${name} is not a known setting; did you mean ${nearestKnownVariable(name)}?`,
    }));
}

/** Nearest directory at or above `start` holding serverless.yml; `start` itself otherwise. */
export function findProjectRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, "serverless.yml"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

/** The process environment with `.env` laid over it, unless AMPA_LOAD_DOTENV turns that off. */
/** The `.env` file: AMPA_ENV_FILE, else the project root's. */
export const envFile = (env: Env = process.env, cwd: string = process.cwd()): string =>
  env.AMPA_ENV_FILE || join(findProjectRoot(cwd), ".env");

/** Sets `name` in the `.env` file (replacing its line, or added), owner-only. */
export function setEnvVariable(file: string, name: string, value: string): void {
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
  const line = `${name}=${value}`;
  const at = lines.findIndex((l) => new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=`).test(l));
  if (at >= 0) lines[at] = line;
  else lines.splice(lines.at(-1) === "" ? -1 : lines.length, 0, line);
  replaceFile(file, `${lines.join("\n").replace(/\n?$/, "\n")}`);
}

export function readEnvironment(env: Env = process.env, cwd: string = process.cwd()): Env {
  const load = booleanish.safeParse(env.AMPA_LOAD_DOTENV ?? "1");
  if (load.success && !load.data) return env;
  const file = envFile(env, cwd);
  if (!existsSync(file)) return env;
  const fromFile = parseDotenv(readFileSync(file));
  const cleaned = Object.fromEntries(Object.entries(fromFile).map(([k, v]) => [k, v.trim()]));
  return { ...env, ...cleaned };
}

/** A renewal period of at least the TTL would let live leases expire: a third of it instead. */
function checkLeaseTiming(
  r: { -readonly [K in keyof RawConfig]: RawConfig[K] },
  env: Env,
): ConfigWarning[] {
  if (r.AMPA_LEASE_RENEW_SECONDS < r.AMPA_LEASE_TTL_SECONDS) return [];
  const value = env.AMPA_LEASE_RENEW_SECONDS ?? "";
  const problem = `AMPA_LEASE_RENEW_SECONDS=${JSON.stringify(value)} is invalid (must be less than AMPA_LEASE_TTL_SECONDS=${r.AMPA_LEASE_TTL_SECONDS})`;
  r.AMPA_LEASE_RENEW_SECONDS = r.AMPA_LEASE_TTL_SECONDS / 3;
  return [
    {
      kind: "invalid",
      variable: "AMPA_LEASE_RENEW_SECONDS",
      value,
      problem,
      message: `${problem}; using a third of the TTL, ${r.AMPA_LEASE_RENEW_SECONDS}`,
    },
  ];
}

// One builder per group of the Config (core/config.ts), each from the parsed variables.

const storeConfig = (r: RawConfig): StoreConfig => ({
  stage: r.AMPA_STAGE,
  region: r.AWS_REGION,
  tableName: r.AMPA_TABLE_NAME,
  maxRunHistory: r.AMPA_SCHEDULER_MAX_RUN_HISTORY,
  storeDir: r.AMPA_SCHEDULER_STORE,
  dynamodbEndpoint: r.AMPA_DYNAMODB_ENDPOINT,
  dynamodbKey: r.AMPA_DYNAMODB_KEY,
});

const schedulerConfig = (r: RawConfig): SchedulerConfig => ({
  pollIntervalMs: r.AMPA_SCHEDULER_POLL_INTERVAL_SECONDS * 1000,
  globalMinIntervalMs: r.AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS * 1000,
  priorityWeight: r.AMPA_SCHEDULER_PRIORITY_WEIGHT,
  llmHealthcheckUrl: r.AMPA_LLM_HEALTHCHECK_URL,
  llmProbeTimeoutMs: r.AMPA_LLM_PROBE_TIMEOUT_MS,
  runScheduler: r.AMPA_RUN_SCHEDULER,
  tickIntervalMs: 60_000,
  buildId: r.AMPA_BUILD_ID,
});

const runsConfig = (r: RawConfig): RunsConfig => ({
  commandCwd: r.AMPA_COMMAND_CWD,
  defaultMaxRuntimeMinutes: r.AMPA_DEFAULT_MAX_RUNTIME_MINUTES,
  leaseTtlMs: r.AMPA_LEASE_TTL_SECONDS * 1000,
  leaseRenewMs: r.AMPA_LEASE_RENEW_SECONDS * 1000,
  maxOutputBytes: r.AMPA_MAX_OUTPUT_BYTES,
  workspaceRepo: r.AMPA_WORKSPACE_REPO,
  workspaceRef: r.AMPA_WORKSPACE_REF,
  workspaceDir: r.AMPA_WORKSPACE_DIR,
});

const dispatchConfig = (r: RawConfig): DispatchConfig => ({
  dispatch: r.AMPA_DISPATCH,
  runCommandFunction: r.AMPA_RUN_COMMAND_FUNCTION,
  lambdaEndpoint: r.AMPA_LAMBDA_ENDPOINT,
  taskCluster: r.AMPA_TASK_CLUSTER,
  taskDefinition: r.AMPA_TASK_DEFINITION,
  taskNetworkParam: `/ampa/${r.AMPA_STAGE}/task-network`,
  taskStartMs: r.AMPA_TASK_START_SECONDS * 1000,
  taskContainer: r.AMPA_TASK_CONTAINER,
  taskImage: r.AMPA_TASK_IMAGE,
  taskSize: fargateTaskSize(r.AMPA_TASK_CPU, r.AMPA_TASK_MEMORY),
});

const notifyConfig = (r: RawConfig): NotifyConfig => ({
  discordWebhook: r.AMPA_DISCORD_WEBHOOK,
  discordWebhookParam: r.AMPA_DISCORD_WEBHOOK_PARAM,
  webhookCacheMs: r.AMPA_WEBHOOK_CACHE_SECONDS * 1000,
  backoffBaseMs: r.AMPA_BACKOFF_BASE_SECONDS * 1000,
  maxRetries: r.AMPA_MAX_RETRIES,
  discordTimeoutMs: r.AMPA_DISCORD_TIMEOUT_SECONDS * 1000,
  deadLetterWebhook: r.AMPA_DEADLETTER_WEBHOOK,
  deadLetterFile: r.AMPA_DEADLETTER_FILE,
  heartbeatMinutes: r.AMPA_HEARTBEAT_MINUTES,
  inboxPort: r.AMPA_INBOX_PORT,
});

const worklogConfig = (r: RawConfig): WorklogConfig => ({
  wlTimeoutMs: r.AMPA_WL_TIMEOUT_SECONDS * 1000,
  delegateAssignee: r.AMPA_DELEGATE_ASSIGNEE,
  verifyPrWithGh: r.AMPA_VERIFY_PR_WITH_GH,
  defaultAgent: r.AMPA_DEFAULT_AGENT,
});

const httpConfig = (r: RawConfig): HttpConfig => ({
  metricsPort: r.AMPA_METRICS_PORT,
  metricsToken: r.AMPA_METRICS_TOKEN,
  metricsTokenParam: `/ampa/${r.AMPA_STAGE}/metrics-token`,
});

const discordConfig = (r: RawConfig): DiscordConfig => ({
  discordPublicKey: r.AMPA_DISCORD_PUBLIC_KEY,
  discordPublicKeyParam: `/ampa/${r.AMPA_STAGE}/discord/public-key`,
  discordAllowlist: r.AMPA_DISCORD_ALLOWLIST,
  discordAllowlistParam: `/ampa/${r.AMPA_STAGE}/discord/allowlist`,
  discordButtonKey: r.AMPA_DISCORD_BUTTON_KEY,
  discordButtonKeyParam: `/ampa/${r.AMPA_STAGE}/discord/button-key`,
  discordApiUrl: r.AMPA_DISCORD_API_URL.replace(/\/+$/, ""),
  discordBotToken: r.AMPA_DISCORD_BOT_TOKEN,
  discordBotTokenParam: `/ampa/${r.AMPA_STAGE}/discord/bot-token`,
  discordChannelId: r.AMPA_DISCORD_CHANNEL_ID,
  discordChannelIdParam: `/ampa/${r.AMPA_STAGE}/discord/channel-id`,
  interactionsFunction: `ampa-${r.AMPA_STAGE}-interactions`,
  runOnceFunction: `ampa-${r.AMPA_STAGE}-runOnce`,
});

const logConfig = (r: RawConfig): LogConfig => ({
  logLevel: r.AMPA_LOG_LEVEL,
  logFormat: r.AMPA_LOG_FORMAT,
});

const platformConfig = (env: Env): PlatformConfig => ({
  onLambda: onLambda(env),
  onAws: onAws(env),
  invokedLocally: lambdaRuntime(env) === "invoke-local",
});

export function parseConfig(env: Env): { config: Config; warnings: ConfigWarning[] } {
  const { raw: r, warnings: knobWarnings } = readKnobs(env);
  const warnings = [...knobWarnings, ...checkLeaseTiming(r, env)];
  return {
    warnings: [...warnings, ...unknownVariables(env)],
    config: {
      ...storeConfig(r),
      ...schedulerConfig(r),
      ...runsConfig(r),
      ...dispatchConfig(r),
      ...notifyConfig(r),
      ...worklogConfig(r),
      ...httpConfig(r),
      ...discordConfig(r),
      ...logConfig(r),
      ...platformConfig(env),
    },
  };
}

/**
 * Reads `.env` + environment and reports every invalid value and unknown `AMPA_*` name
 * through `warn`. On Lambda an invalid value throws a {@link ConfigError} naming every bad
 * variable: a deploy with a bad setting fails its first invocation instead of running on
 * a default (a malformed table name would silently become `ampa-<stage>-state`).
 */
export function loadConfig(
  warn: (message: string, warning: ConfigWarning) => void,
  env: Env = process.env,
  cwd: string = process.cwd(),
): Config {
  const merged = readEnvironment(env, cwd);
  const { config, warnings } = parseConfig(merged);
  const invalid = warnings.filter((w) => w.kind === "invalid");
  if (onAws(merged) && invalid.length > 0) {
    // Lambda's runtime logs the error itself, outside the redacting logger.
    const problems = invalid.map((w) => redactSecrets(w.problem));
    throw new ConfigError(
      invalid.map((w) => w.variable),
      problems,
    );
  }
  for (const w of warnings) warn(w.message, w);
  // A relative store directory belongs to the project, wherever the process runs from
  // (`osls invoke local` runs handlers inside the build folder).
  return { ...config, storeDir: resolve(findProjectRoot(cwd), config.storeDir) };
}
