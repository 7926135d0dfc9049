import { type App, createApp } from "../lib/runtime/app.js";
import { type Config, loadConfig } from "../lib/runtime/config.js";
import { cliShellSettings } from "../lib/runtime/process-settings.js";
import { AmpaError } from "../lib/core/errors.js";
import { acquireLock, type HeldLock, type LockInfo, readLock } from "../lib/local/lock.js";
import { createLogger } from "../lib/runtime/log.js";
import { ensureTable } from "../lib/adapters/dynamodb/table.js";
import type { RunOnceFunction } from "../lib/adapters/lambda-run-once.js";

export interface TargetOptions {
  stage?: string;
  region?: string;
}

export interface Target {
  app: App;
  /** Where the CLI is writing, for messages. */
  description: string;
  /**
   * Set when the table is a deployed stack's (`--stage`/`--region`): its commands run in
   * its runOnce function, not here (cli/run-once.ts).
   */
  deployed?: { stage: string; runOnce: RunOnceFunction };
  close: () => Promise<void>;
}

/**
 * Which table the CLI works on:
 * - `--stage`/`--region`: the deployed table `ampa-<stage>-state` on AWS (its DynamoDB
 *   and Lambda endpoints may be set: AMPA_DYNAMODB_ENDPOINT, AMPA_LAMBDA_ENDPOINT);
 * - `AMPA_DYNAMODB_ENDPOINT`: that DynamoDB-compatible server (with AMPA_DYNAMODB_KEY
 *   when it is a local store, which requires its key);
 * - otherwise the local store: through a running `npm start` when there is one (never
 *   opening its directory twice) or a running `ampa dashboard`, else by opening the
 *   directory here for this command. A `serving` command (the dashboard: it runs for
 *   hours) publishes the store it opened, so other verbs use it meanwhile.
 */
export async function openTarget(
  opts: TargetOptions,
  { serving = false }: { serving?: boolean } = {},
): Promise<Target> {
  const shell = cliShellSettings();
  const warnings: string[] = [];
  const loaded = loadConfig((message) => warnings.push(message));
  const config: Config = { ...loaded, logLevel: shell.logLevelSet ? loaded.logLevel : "warn" };
  const log = createLogger(config.logLevel, "stderr", config.logFormat);
  for (const message of warnings) log.warn(message);
  const logDestination = "stderr" as const;

  if (opts.stage || opts.region) return deployedTarget(opts, config, shell.tableName);
  if (config.dynamodbEndpoint) {
    const app = createApp({ config, logDestination });
    return {
      app,
      description: `${config.tableName} at ${config.dynamodbEndpoint}`,
      close: async () => app.dynamo.destroy(),
    };
  }

  const store = await joinOrLock(config.storeDir, serving ? "dashboard" : "cli");
  if ("running" in store) {
    const { running } = store;
    const app = createApp({
      config,
      logDestination,
      endpoint: running.endpoint,
      storeKey: running.key,
      ...(running.webhook ? { localWebhook: running.webhook } : {}),
    });
    return {
      app,
      description: `the running local stack (${running.endpoint})`,
      close: async () => app.dynamo.destroy(),
    };
  }
  const { lock } = store;
  try {
    // Loaded here only: dynalite and LevelDB cost every other start a tenth of a second.
    const { startEmbeddedStore } = await import("../lib/local/embedded-store.js");
    const embedded = await startEmbeddedStore({ dir: config.storeDir });
    lock.publish(embedded.endpoint, undefined, embedded.key);
    const app = createApp({
      config,
      logDestination,
      endpoint: embedded.endpoint,
      storeKey: embedded.key,
    });
    await ensureTable(app.dynamo, config.tableName);
    return {
      app,
      description: `the local store ${config.storeDir}`,
      close: async () => {
        app.dynamo.destroy();
        await embedded.close();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** A deployed stage's table, and its runOnce function (where its commands run once). */
function deployedTarget(
  opts: TargetOptions,
  config: Config,
  tableFromShell: string | undefined,
): Target {
  const stage = opts.stage ?? config.stage;
  const tableName = tableFromShell ?? `ampa-${stage}-state`;
  const region = opts.region ?? config.region;
  const app = createApp({
    config: { ...config, stage },
    logDestination: "stderr",
    tableName,
    region,
    useSsm: true,
  });
  return {
    app,
    description: `${tableName} (${region})`,
    deployed: {
      stage,
      runOnce: { name: `ampa-${stage}-runOnce`, region, endpoint: config.lambdaEndpoint },
    },
    close: async () => app.dynamo.destroy(),
  };
}

/**
 * The live `npm start` or dashboard holding the store, or the store's lock for this
 * process. Another short-lived ampa command holding the directory is waited for (up to
 * 10 s), also when it took the lock between our look and our attempt: CLIs started
 * together take turns.
 */
async function joinOrLock(
  storeDir: string,
  owner: LockInfo["owner"],
): Promise<{ running: LockInfo } | { lock: HeldLock }> {
  for (let i = 0; i < 100; i++) {
    const holder = readLock(storeDir);
    if (holder && holder.owner !== "cli" && holder.endpoint) return { running: holder };
    if (!holder) {
      try {
        return { lock: acquireLock(storeDir, owner) };
      } catch (err) {
        const winner = readLock(storeDir);
        // Lost the race to another ampa command (or to a stack still starting): wait for it.
        if (!(err instanceof AmpaError && err.code === "locked" && winner)) throw err;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new AmpaError(
    `The local store ${storeDir} stayed locked by another ampa command; try again.`,
    "locked",
  );
}
