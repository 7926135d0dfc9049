import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type Config, type Env, loadConfig } from "./config.js";
import { readLock } from "./local/lock.js";
import { createLogger, type Logger } from "./log.js";
import { defaultRunners, type Runners } from "./runners/index.js";
import { createDocumentClient, createDynamoClient } from "./store/client.js";
import { Store } from "./store/store.js";

/** Everything a handler or the CLI needs, built once per process (Lambda container). */
export interface App {
  config: Config;
  log: Logger;
  dynamo: DynamoDBClient;
  store: Store;
  runners: Runners;
}

export interface AppOptions {
  env?: Env;
  cwd?: string;
  logDestination?: "stdout" | "stderr";
  /** Overrides the endpoint from the configuration (the CLI's local store). */
  endpoint?: string;
  tableName?: string;
  region?: string;
  /** An already loaded configuration (skips reading the environment again). */
  config?: Config;
}

export function createApp(opts: AppOptions = {}): App {
  const env = opts.env ?? process.env;
  const bootLog = createLogger(env.AMPA_LOG_LEVEL ?? "info", opts.logDestination);
  const config =
    opts.config ??
    loadConfig((message, w) => bootLog.warn({ variable: w.variable }, message), env, opts.cwd);
  const log = createLogger(config.logLevel, opts.logDestination);
  const endpoint = opts.endpoint ?? config.dynamodbEndpoint ?? localStackEndpoint(env, config);
  const region = opts.region ?? config.region;
  const tableName = opts.tableName ?? config.tableName;
  const dynamo = createDynamoClient({ region, endpoint });
  const store = new Store(createDocumentClient(dynamo), {
    tableName,
    maxRunHistory: config.maxRunHistory,
  });
  return { config: { ...config, region, tableName }, log, dynamo, store, runners: defaultRunners };
}

/**
 * Under `osls invoke local` (IS_LOCAL) or serverless-offline (IS_OFFLINE) with no endpoint
 * configured: the store of a running `npm start`, found through its lock file.
 */
function localStackEndpoint(env: Env, config: Config): string | undefined {
  if (!env.IS_LOCAL && !env.IS_OFFLINE) return undefined;
  return readLock(config.storeDir)?.endpoint || undefined;
}

let cached: App | undefined;

/** The container's App, created on first use (cold start) and reused while warm. */
export function app(): App {
  cached ??= createApp();
  return cached;
}
