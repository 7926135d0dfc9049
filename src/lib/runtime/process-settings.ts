import type { RunAs } from "../core/task-ports.js";
import { booleanish, type Env } from "./config-values.js";

/**
 * What a process reads from its environment besides the Config, each where it is used:
 * the CLI's shell (not `.env`), the task worker's claim and agent user, `npm start`'s
 * ports and folders, the metrics function's `metricsPublic` (per request), and the
 * summarizer opt-in (a worker's own setting, config-values.ts CHILD_VARIABLES).
 */

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
  /**
   * A local worker's live output file (AMPA_LIVE_OUTPUT, set by its dispatcher); without
   * it the run's output lines go to stdout in envelopes (CloudWatch on AWS).
   */
  liveOutputFile: string | undefined;
}

export function workerEnvironment(env: Env = process.env): WorkerEnvironment {
  return {
    claim: env.AMPA_CLAIM,
    ecsMetadataUri: env.ECS_CONTAINER_METADATA_URI_V4 || undefined,
    liveOutputFile: env.AMPA_LIVE_OUTPUT || undefined,
  };
}

/** What `npm start` (scripts/start.ts) takes from its environment besides settings. */
export interface LocalStackSettings {
  /** serverless-offline's Lambda port (AMPA_LAMBDA_PORT): runCommand is invoked there. */
  lambdaPort: number;
  /** serverless-offline's build folder (AMPA_ESBUILD_DIR), emptied at each start. */
  esbuildDir: string;
}

export function localStackSettings(env: Env = process.env): LocalStackSettings {
  return {
    lambdaPort: Number(env.AMPA_LAMBDA_PORT ?? 3002),
    esbuildDir: env.AMPA_ESBUILD_DIR ?? ".ampa/esbuild",
  };
}

/**
 * Whether /metrics may answer without a token on AWS: the stage's `metricsPublic` param,
 * which serverless.yml passes to the metrics function as AMPA_METRICS_PUBLIC. Read per
 * request; anything but a clear yes (unset, empty, a typo) is no, so /metrics fails closed.
 */
export function metricsPublic(env: Env = process.env): boolean {
  const parsed = booleanish.safeParse(env.AMPA_METRICS_PUBLIC ?? "");
  return parsed.success && parsed.data;
}

/**
 * Opt-in, read from the worker's own environment (config-values.ts CHILD_VARIABLES):
 * long output is summarized by `opencode run` instead of being cut.
 */
const SUMMARIZE_VARIABLE = "AMPA_SUMMARIZE_WITH_AGENT";

/** Whether the operator turned the agent summarizer on (AMPA_SUMMARIZE_WITH_AGENT). */
export function summarizingWithAgent(env: Env = process.env): boolean {
  const on = booleanish.safeParse(env[SUMMARIZE_VARIABLE] ?? "0");
  return on.success && on.data;
}

/** The agent user as read (runtime/agent-identity.ts): a user, none, or why it is refused. */
export type AgentSetting = { runAs?: RunAs } | { error: string };

const ID = /^[0-9]{1,10}$/;
/** Above it are (uid_t)-1 and the overflow id: never a real user. */
const MAX_ID = 4_294_967_293;

function parseId(name: string, value: string): number | string {
  const id = Number(value);
  if (!ID.test(value) || id > MAX_ID) return `${name}=${value}: expected a numeric id`;
  if (id === 0) return `${name}=0: agents never run as root`;
  return id;
}

/** AMPA_AGENT_UID (numeric; no name lookup) and AMPA_AGENT_GID (default: the same number). */
export function agentSetting(env: Env = process.env, workerUid = process.getuid?.()): AgentSetting {
  const uidText = env.AMPA_AGENT_UID?.trim() || undefined;
  const gidText = env.AMPA_AGENT_GID?.trim() || undefined;
  if (!uidText) return gidText ? { error: "AMPA_AGENT_GID is set without AMPA_AGENT_UID" } : {};
  const uid = parseId("AMPA_AGENT_UID", uidText);
  const gid = parseId("AMPA_AGENT_GID", gidText ?? uidText);
  if (typeof uid === "string") return { error: uid };
  if (typeof gid === "string") return { error: gid };
  if (uid === workerUid)
    return {
      error: `AMPA_AGENT_UID=${uid} is the worker's own uid: agents need a user of their own`,
    };
  return { runAs: { uid, gid } };
}
