import * as z from "zod";
import { AGENT_NAMES } from "../app/agents/profiles.js";
import { LOG_FORMATS, LOG_LEVELS } from "../core/config.js";
import {
  absolutePath,
  booleanish,
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

/**
 * The settings' variables: each one's schema and default, read from the environment in
 * one pass (runtime/config.ts groups the values into the Config).
 */

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
export const onAws = (env: Env): boolean =>
  onLambda(env) || Boolean(env.ECS_CONTAINER_METADATA_URI_V4);
const stageOf = (env: Env) => env.AMPA_STAGE?.trim() || "dev";

export const knobs = {
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
  // The task definition's size in Fargate's units (serverless.yml params taskCpu and
  // taskMemory, passed by deploy/task.yml): a task run's record keeps its compute time.
  AMPA_TASK_CPU: knob(positiveInt.max(16_384), 1024),
  AMPA_TASK_MEMORY: knob(positiveInt.max(122_880), 2048),
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
  // Discord's Interactions Endpoint (docs/discord.md); on AWS both come from SSM.
  AMPA_DISCORD_PUBLIC_KEY: knob(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/)
      .optional(),
    undefined,
  ),
  AMPA_DISCORD_ALLOWLIST: knob(z.string().min(1).optional(), undefined),
  AMPA_DISCORD_API_URL: knob(z.url({ protocol: /^https?$/ }), "https://discord.com/api/v10"),
  AMPA_DISCORD_BOT_TOKEN: secretKnob(z.string().min(1).optional(), undefined),
  // Application mode (docs/discord.md): with the bot token, posts go to this channel with buttons.
  AMPA_DISCORD_CHANNEL_ID: knob(
    z
      .string()
      .regex(/^\d{1,20}$/)
      .optional(),
    undefined,
  ),
  // A short key would make the buttons' seal guessable.
  AMPA_DISCORD_BUTTON_KEY: secretKnob(z.string().min(32).optional(), undefined),
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
  // The stage's agent for commands that name none (app/agents/profiles.ts).
  AMPA_DEFAULT_AGENT: knob(z.enum(AGENT_NAMES).optional(), undefined),
  AMPA_BUILD_ID: knob(z.string().min(1).optional(), undefined),
  // Hidden in warnings: a refused URL may be one that carries a token.
  AMPA_WORKSPACE_REPO: secretKnob(gitRemote.optional(), undefined),
  AMPA_WORKSPACE_REF: knob(gitRef.optional(), undefined),
  AMPA_WORKSPACE_DIR: knob(absolutePath.optional(), undefined),
} as const;

export interface ConfigWarning {
  /** `invalid`: the value does not parse; `unknown`: an `AMPA_*` name that is no setting. */
  kind: "invalid" | "unknown";
  variable: string;
  value: string;
  message: string;
  /** Why the value is invalid, with the value unless it is a secret (empty when unknown). */
  problem: string;
}

export type Knobs = typeof knobs;
export type RawConfig = { [K in keyof Knobs]: ReturnType<Knobs[K]["fallback"]> };

/** Each knob's parsed value, or its default with a warning when the value does not parse. */
export function readKnobs(env: Env): { raw: RawConfig; warnings: ConfigWarning[] } {
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
