import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ConfigWarning } from "./config-knobs.js";
import { type Config, type Env, loadConfig } from "./config.js";
import { readLock } from "./local-stack.js";
import { createLogger, type Logger } from "./log.js";
import { registerCredential, registerProcessSecrets } from "./process-secrets.js";
import { configureEmf } from "../adapters/emf.js";
import { configuredSecret, type SecretSource } from "../adapters/ssm-secret.js";
import { type WebhookSource, webhookSource } from "../adapters/ssm-webhook.js";
import { createDocumentClient, createDynamoClient } from "../adapters/dynamodb/client.js";
import { createStore, type Store } from "../adapters/dynamodb/store.js";
import { isCommandType } from "../app/commands/registry.js";

/** Everything a handler or the CLI needs, built once per process (Lambda container). */
export interface App {
  config: Config;
  log: Logger;
  dynamo: DynamoDBClient;
  /** The store's endpoint when it is not AWS's (the local stack): task workers get it too. */
  endpoint: string | undefined;
  /** The local store's key, with its endpoint (task workers get it too). */
  storeKey: string | undefined;
  store: Store;
  /** The Discord webhook, resolved lazily and cached (SSM has a max age). */
  webhook: WebhookSource;
  /** The bearer token /metrics requires; undefined when none is configured. */
  metricsToken: SecretSource;
  /** Discord's Interactions Endpoint: the application's public key and the allowlist. */
  discordPublicKey: SecretSource;
  discordAllowlist: SecretSource;
  /** The key sealing buttons' custom_ids (core/discord/buttons.ts). */
  discordButtonKey: SecretSource;
}

export interface AppOptions {
  /** The environment to configure from (default: the process's, with `.env`). */
  env?: Env;
  cwd?: string;
  logDestination?: "stdout" | "stderr";
  /** Overrides the endpoint from the configuration (the CLI's local store). */
  endpoint?: string;
  /** The key of the store at `endpoint` (from its lock file, or the store just started). */
  storeKey?: string | undefined;
  tableName?: string;
  region?: string;
  /** An already loaded configuration (skips reading the environment again). */
  config?: Config;
  /** Read the webhook from SSM when the environment has none (Lambda, CLI with --stage). */
  useSsm?: boolean;
  /** The webhook of a local inbox, used when nothing else is configured. */
  localWebhook?: string;
}

/**
 * Under `osls invoke local` with no endpoint configured: the store of a running
 * `npm start`, found through its lock file. Never on Lambda; serverless-offline gets the
 * endpoint from `npm start` itself.
 */
function localStack(config: Config): { endpoint?: string; key?: string; webhook?: string } {
  if (!config.invokedLocally) return {};
  const lock = readLock(config.storeDir);
  return { endpoint: lock?.endpoint || undefined, key: lock?.key, webhook: lock?.webhook };
}

export function createApp(opts: AppOptions = {}): App {
  const warnings: ConfigWarning[] = [];
  const config = opts.config ?? loadConfig((_m, w) => warnings.push(w), opts.env, opts.cwd);
  // Before the first log line or run: whatever this process holds is redacted everywhere.
  registerProcessSecrets(config, opts.env);
  const log = createLogger(config.logLevel, opts.logDestination, config.logFormat);
  for (const w of warnings) log.warn({ variable: w.variable }, w.message);
  const local = opts.endpoint || config.dynamodbEndpoint ? {} : localStack(config);
  const endpoint = opts.endpoint ?? config.dynamodbEndpoint ?? local.endpoint;
  // The key goes with the endpoint it came with.
  const storeKey = opts.endpoint
    ? opts.storeKey
    : config.dynamodbEndpoint
      ? config.dynamodbKey
      : local.key;
  const region = opts.region ?? config.region;
  const tableName = opts.tableName ?? config.tableName;
  const dynamo = createDynamoClient({ region, endpoint, key: storeKey });
  const store = createStore(createDocumentClient(dynamo), {
    tableName,
    maxRunHistory: config.maxRunHistory,
    knownType: isCommandType,
  });
  const localWebhook = opts.localWebhook ?? local.webhook;
  registerCredential(localWebhook);
  const fromSsm = (fromConfig: string | undefined, name: string) =>
    configuredSecret(fromConfig, {
      useSsm: opts.useSsm ?? config.onAws,
      name,
      region,
      cacheMs: config.webhookCacheMs,
    });
  const webhook = webhookSource(
    { ...config, region },
    {
      useSsm: opts.useSsm ?? config.onAws,
      ...(localWebhook ? { fallback: { url: localWebhook, origin: "local-inbox" as const } } : {}),
      bot: {
        apiUrl: config.discordApiUrl,
        channelId: fromSsm(config.discordChannelId, config.discordChannelIdParam),
        token: fromSsm(config.discordBotToken, config.discordBotTokenParam),
      },
    },
  );
  const metricsToken = configuredSecret(config.metricsToken, {
    useSsm: opts.useSsm ?? config.onAws,
    name: config.metricsTokenParam,
    region,
    cacheMs: config.webhookCacheMs,
  });
  // CloudWatch reads metrics from Lambda's logs; anywhere else the lines would be noise.
  if (config.onLambda) configureEmf({ stage: config.stage });
  return {
    config: { ...config, region, tableName },
    log,
    dynamo,
    endpoint,
    storeKey,
    store,
    webhook,
    metricsToken,
    discordPublicKey: fromSsm(config.discordPublicKey, config.discordPublicKeyParam),
    discordAllowlist: fromSsm(config.discordAllowlist, config.discordAllowlistParam),
    discordButtonKey: fromSsm(config.discordButtonKey, config.discordButtonKeyParam),
  };
}
