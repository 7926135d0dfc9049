import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import * as z from "zod";
import { type Config, LOG_FORMATS, LOG_LEVELS } from "../core/config.js";
import { ConfigError } from "../core/errors.js";
import { redactSecrets } from "../core/secrets.js";
import {
  absolutePath,
  booleanish,
  CHILD_VARIABLES,
  editDistance,
  type Env,
  gitRef,
  type Knob,
  knob,
  gitRemote,
  nonNegativeNumber,
  port,
  positiveInt,
  positiveNumber,
  secretKnob,
  storeKey,
  unquote,
} from "./config-values.js";
import { LIMIT_VARIABLES } from "./limits.js";

export { editDistance } from "./config-values.js";

export type { Config } from "../core/config.js";

/**
 * Configuration from the environment, with a `.env` at the project root overriding it
 * (as the Python seed did). `AMPA_LOAD_DOTENV=0` turns the file off. A value that does
 * not parse is replaced by its default with a warning naming the variable, except on
 * Lambda, where it fails the cold start (see {@link loadConfig}). An `AMPA_*` variable
 * that is no setting gets a warning with the nearest known name.
 */
export type { Env } from "./config-values.js";

/**
 * What runs this process. AWS Lambda and both of osls's emulators set the function name;
 * serverless-offline (`npm start`) adds IS_OFFLINE, `osls invoke local` IS_LOCAL. Without a
 * function name it is the CLI, `npm start` itself or a test.
 */
export type LambdaRuntime = "lambda" | "offline" | "invoke-local" | "none";

export function lambdaRuntime(env: Env): LambdaRuntime {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return "none";
  if (env.IS_OFFLINE) return "offline";
  if (env.IS_LOCAL) return "invoke-local";
  return "lambda";
}

/** On AWS Lambda itself: a function name and neither emulator's flag. */
export const onLambda = (env: Env): boolean => lambdaRuntime(env) === "lambda";
/** On AWS: Lambda, or an ECS task (the task worker), which has a task metadata endpoint. */
const onAws = (env: Env): boolean => onLambda(env) || Boolean(env.ECS_CONTAINER_METADATA_URI_V4);
const stageOf = (env: Env) => env.AMPA_STAGE?.trim() || "dev";

const knobs = {
  AMPA_STAGE: knob(z.string().regex(/^[A-Za-z0-9-]{1,32}$/), "dev"),
  AWS_REGION: knob(z.string().min(1), "us-east-1"),
  AMPA_TABLE_NAME: knob(
    z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/),
    (env) => `ampa-${stageOf(env)}-state`,
  ),
  AMPA_SCHEDULER_POLL_INTERVAL_SECONDS: knob(positiveNumber, 5),
  AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: knob(nonNegativeNumber, 60),
  AMPA_SCHEDULER_PRIORITY_WEIGHT: knob(nonNegativeNumber, 0.1),
  AMPA_LLM_HEALTHCHECK_URL: knob(z.url({ protocol: /^https?$/ }), "http://localhost:8000/health"),
  AMPA_LLM_PROBE_TIMEOUT_MS: knob(positiveInt, 2000),
  AMPA_SCHEDULER_MAX_RUN_HISTORY: knob(positiveInt.max(1000), 50),
  AMPA_SCHEDULER_STORE: knob(z.string().min(1), ".ampa/data"),
  // /tmp on Lambda (the only writable directory) and under `osls invoke local`, which stands
  // in for it; serverless-offline and everything else run where they were started.
  AMPA_COMMAND_CWD: knob(z.string().min(1), (env) =>
    ["lambda", "invoke-local"].includes(lambdaRuntime(env))
      ? "/tmp"
      : env.INIT_CWD || process.cwd(),
  ),
  AMPA_DEFAULT_MAX_RUNTIME_MINUTES: knob(positiveInt.max(1440), 10),
  AMPA_LEASE_TTL_SECONDS: knob(positiveNumber, 180),
  AMPA_LEASE_RENEW_SECONDS: knob(positiveNumber, 60),
  // Fargate provisions and pulls the image before the worker can take its lease.
  AMPA_TASK_START_SECONDS: knob(positiveNumber, 300),
  // Locally, run a `task` run's worker in this image (docker or podman on PATH) instead of
  // as a detached node process.
  AMPA_TASK_CONTAINER: knob(booleanish, false),
  AMPA_TASK_IMAGE: knob(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/),
    "ampa-worker:latest",
  ),
  AMPA_MAX_OUTPUT_BYTES: knob(positiveInt.min(1024).max(300_000), 262_144),
  AMPA_DYNAMODB_ENDPOINT: knob(z.url().optional(), undefined),
  AMPA_DYNAMODB_KEY: secretKnob(storeKey.optional(), undefined),
  // Wherever a Lambda runtime (real or emulated) runs the handlers, runCommand is beside them.
  AMPA_DISPATCH: knob(z.enum(["lambda", "inline"]), (env) =>
    lambdaRuntime(env) === "none" ? "inline" : "lambda",
  ),
  AMPA_RUN_COMMAND_FUNCTION: knob(z.string().min(1), (env) => `ampa-${stageOf(env)}-runCommand`),
  AMPA_LAMBDA_ENDPOINT: knob(z.url().optional(), undefined),
  // The ECS task target (deploy/task.yml names both after the stage).
  AMPA_TASK_CLUSTER: knob(
    z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
    (env) => `ampa-${stageOf(env)}`,
  ),
  AMPA_TASK_DEFINITION: knob(
    z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
    (env) => `ampa-${stageOf(env)}-worker`,
  ),
  AMPA_METRICS_PORT: knob(port, 8000),
  AMPA_LOG_LEVEL: knob(z.enum(LOG_LEVELS), "info"),
  // CloudWatch wants one JSON object per line, whatever stdout looks like.
  AMPA_LOG_FORMAT: knob(z.enum(LOG_FORMATS), (env) => (onLambda(env) ? "json" : "auto")),
  AMPA_RUN_SCHEDULER: knob(booleanish, true),
  AMPA_DISCORD_WEBHOOK: secretKnob(z.url({ protocol: /^https?$/ }).optional(), undefined),
  AMPA_DISCORD_WEBHOOK_PARAM: knob(
    z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/),
    (env) => `/ampa/${stageOf(env)}/discord-webhook`,
  ),
  AMPA_WEBHOOK_CACHE_SECONDS: knob(nonNegativeNumber, 300),
  // Any non-empty value turns the check on: a short token must not silently turn it off.
  AMPA_METRICS_TOKEN: secretKnob(z.string().min(1).optional(), undefined),
  AMPA_BACKOFF_BASE_SECONDS: knob(positiveNumber, 2),
  AMPA_MAX_RETRIES: knob(z.coerce.number().int().min(0).max(100), 10),
  AMPA_DISCORD_TIMEOUT_SECONDS: knob(positiveNumber, 10),
  AMPA_DEADLETTER_WEBHOOK: secretKnob(z.url({ protocol: /^https?$/ }).optional(), undefined),
  AMPA_DEADLETTER_FILE: knob(z.string().min(1).optional(), undefined),
  AMPA_HEARTBEAT_MINUTES: knob(positiveInt.max(1440), 1),
  AMPA_INBOX_PORT: knob(port, 8025),
  AMPA_WL_TIMEOUT_SECONDS: knob(positiveNumber, 60),
  AMPA_VERIFY_PR_WITH_GH: knob(booleanish, true),
  // Passed to `wl update --assignee` and `wl list --assignee` as one argv element.
  AMPA_DELEGATE_ASSIGNEE: knob(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/), "ampa"),
  AMPA_BUILD_ID: knob(z.string().min(1).optional(), undefined),
  // Hidden in warnings: a refused URL may be one that carries a token.
  AMPA_WORKSPACE_REPO: secretKnob(gitRemote.optional(), undefined),
  AMPA_WORKSPACE_REF: knob(gitRef.optional(), undefined),
  AMPA_WORKSPACE_DIR: knob(absolutePath.optional(), undefined),
} as const;

type Knobs = typeof knobs;
export type RawConfig = { [K in keyof Knobs]: ReturnType<Knobs[K]["fallback"]> };

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
  // A task run's claim, set by the ECS dispatch (adapters/ecs-dispatch.ts) for the worker.
  "AMPA_CLAIM",
  ...["AMPA_AGENT_UID", "AMPA_AGENT_GID"], // the task worker's agent user: agent-identity.ts
  "AMPA_METRICS_PUBLIC", // the metrics function's (runtime/metrics-access.ts)
];
const KNOWN_VARIABLES = [
  ...Object.keys(knobs),
  ...OTHER_AMPA_VARIABLES,
  ...LIMIT_VARIABLES,
  ...CHILD_VARIABLES,
];

export interface ConfigWarning {
  /** `invalid`: the value does not parse; `unknown`: an `AMPA_*` name that is no setting. */
  kind: "invalid" | "unknown";
  variable: string;
  value: string;
  message: string;
  /** Why the value is invalid, with the value unless it is a secret (empty when unknown). */
  problem: string;
}

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
export function readEnvironment(env: Env = process.env, cwd: string = process.cwd()): Env {
  const load = booleanish.safeParse(env.AMPA_LOAD_DOTENV ?? "1");
  if (load.success && !load.data) return env;
  const file = env.AMPA_ENV_FILE || join(findProjectRoot(cwd), ".env");
  if (!existsSync(file)) return env;
  const fromFile = parseDotenv(readFileSync(file));
  const cleaned = Object.fromEntries(Object.entries(fromFile).map(([k, v]) => [k, v.trim()]));
  return { ...env, ...cleaned };
}

/** Each knob's parsed value, or its default with a warning when the value does not parse. */
function readKnobs(env: Env): { raw: RawConfig; warnings: ConfigWarning[] } {
  const warnings: ConfigWarning[] = [];
  const raw = {} as Record<string, unknown>;
  for (const [name, spec] of Object.entries(knobs) as [keyof Knobs, Knob<unknown>][]) {
    const value = env[name];
    const fallback = spec.fallback(env);
    if (value === undefined || value.trim() === "") {
      raw[name] = fallback;
      continue;
    }
    // Quotes around a value are common in .env files and shell exports.
    const parsed = spec.schema.safeParse(unquote(value.trim()));
    if (parsed.success) {
      raw[name] = parsed.data;
    } else {
      raw[name] = fallback;
      const reason = parsed.error.issues[0]?.message ?? "invalid";
      const shown = spec.secret ? "(value hidden)" : JSON.stringify(value);
      const problem = `${name}=${shown} is invalid (${reason})`;
      warnings.push({
        kind: "invalid",
        variable: name,
        value: spec.secret ? "" : value,
        problem,
        message: `${problem}; using the default ${JSON.stringify(fallback ?? null)}`,
      });
    }
  }
  return { raw: raw as RawConfig, warnings };
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

export function parseConfig(env: Env): { config: Config; warnings: ConfigWarning[] } {
  const { raw: r, warnings: knobWarnings } = readKnobs(env);
  const warnings = [...knobWarnings, ...checkLeaseTiming(r, env)];
  return {
    warnings: [...warnings, ...unknownVariables(env)],
    config: {
      stage: r.AMPA_STAGE,
      region: r.AWS_REGION,
      tableName: r.AMPA_TABLE_NAME,
      pollIntervalMs: r.AMPA_SCHEDULER_POLL_INTERVAL_SECONDS * 1000,
      globalMinIntervalMs: r.AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS * 1000,
      priorityWeight: r.AMPA_SCHEDULER_PRIORITY_WEIGHT,
      llmHealthcheckUrl: r.AMPA_LLM_HEALTHCHECK_URL,
      llmProbeTimeoutMs: r.AMPA_LLM_PROBE_TIMEOUT_MS,
      maxRunHistory: r.AMPA_SCHEDULER_MAX_RUN_HISTORY,
      storeDir: r.AMPA_SCHEDULER_STORE,
      commandCwd: r.AMPA_COMMAND_CWD,
      defaultMaxRuntimeMinutes: r.AMPA_DEFAULT_MAX_RUNTIME_MINUTES,
      leaseTtlMs: r.AMPA_LEASE_TTL_SECONDS * 1000,
      leaseRenewMs: r.AMPA_LEASE_RENEW_SECONDS * 1000,
      taskStartMs: r.AMPA_TASK_START_SECONDS * 1000,
      taskContainer: r.AMPA_TASK_CONTAINER,
      taskImage: r.AMPA_TASK_IMAGE,
      maxOutputBytes: r.AMPA_MAX_OUTPUT_BYTES,
      dynamodbEndpoint: r.AMPA_DYNAMODB_ENDPOINT,
      dynamodbKey: r.AMPA_DYNAMODB_KEY,
      dispatch: r.AMPA_DISPATCH,
      runCommandFunction: r.AMPA_RUN_COMMAND_FUNCTION,
      lambdaEndpoint: r.AMPA_LAMBDA_ENDPOINT,
      taskCluster: r.AMPA_TASK_CLUSTER,
      taskDefinition: r.AMPA_TASK_DEFINITION,
      taskNetworkParam: `/ampa/${r.AMPA_STAGE}/task-network`,
      metricsPort: r.AMPA_METRICS_PORT,
      logLevel: r.AMPA_LOG_LEVEL,
      logFormat: r.AMPA_LOG_FORMAT,
      runScheduler: r.AMPA_RUN_SCHEDULER,
      tickIntervalMs: 60_000,
      discordWebhook: r.AMPA_DISCORD_WEBHOOK,
      discordWebhookParam: r.AMPA_DISCORD_WEBHOOK_PARAM,
      webhookCacheMs: r.AMPA_WEBHOOK_CACHE_SECONDS * 1000,
      metricsToken: r.AMPA_METRICS_TOKEN,
      metricsTokenParam: `/ampa/${r.AMPA_STAGE}/metrics-token`,
      backoffBaseMs: r.AMPA_BACKOFF_BASE_SECONDS * 1000,
      maxRetries: r.AMPA_MAX_RETRIES,
      discordTimeoutMs: r.AMPA_DISCORD_TIMEOUT_SECONDS * 1000,
      deadLetterWebhook: r.AMPA_DEADLETTER_WEBHOOK,
      deadLetterFile: r.AMPA_DEADLETTER_FILE,
      heartbeatMinutes: r.AMPA_HEARTBEAT_MINUTES,
      inboxPort: r.AMPA_INBOX_PORT,
      wlTimeoutMs: r.AMPA_WL_TIMEOUT_SECONDS * 1000,
      verifyPrWithGh: r.AMPA_VERIFY_PR_WITH_GH,
      delegateAssignee: r.AMPA_DELEGATE_ASSIGNEE,
      buildId: r.AMPA_BUILD_ID,
      workspaceRepo: r.AMPA_WORKSPACE_REPO,
      workspaceRef: r.AMPA_WORKSPACE_REF,
      workspaceDir: r.AMPA_WORKSPACE_DIR,
      onLambda: onLambda(env),
      onAws: onAws(env),
      invokedLocally: lambdaRuntime(env) === "invoke-local",
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

/** What the CLI takes from its shell alone, not from `.env` (see {@link cliShellSettings}). */
export interface CliShellSettings {
  /** AMPA_LOG_LEVEL was set: the CLI logs at the configured level, else warnings only. */
  logLevelSet: boolean;
  /** AMPA_TABLE_NAME, for `--stage`: else the stage's `ampa-<stage>-state`. */
  tableName: string | undefined;
}

/**
 * The settings the CLI reads from its own environment only: a `.env` describes the local
 * stack, so neither its log level nor its table name applies to an `ampa --stage` call.
 */
export function cliShellSettings(env: Env = process.env): CliShellSettings {
  return { logLevelSet: Boolean(env.AMPA_LOG_LEVEL), tableName: env.AMPA_TABLE_NAME };
}

/** What a task worker (src/handlers/task.ts) takes from its environment besides settings. */
export interface WorkerEnvironment {
  /** The claim to run, as JSON (AMPA_CLAIM). */
  claim: string | undefined;
  /** The ECS task metadata endpoint (v4), set by Fargate: the worker names itself by it. */
  ecsMetadataUri: string | undefined;
}

export function workerEnvironment(env: Env = process.env): WorkerEnvironment {
  return { claim: env.AMPA_CLAIM, ecsMetadataUri: env.ECS_CONTAINER_METADATA_URI_V4 || undefined };
}
