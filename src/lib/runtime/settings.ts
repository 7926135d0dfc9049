import type { NotifierSettings } from "../app/notify/notifier.js";
import type { RunSettings } from "../app/run.js";
import type { SelectionSettings, TickSettings } from "../app/tick.js";
import type { Config } from "../core/config.js";

/**
 * Each use case's settings, built from the Config by the composition roots: a use case
 * gets the fields it reads and no others (no webhook or token reaches a runner's context).
 */

function pick<K extends keyof Config>(config: Config, keys: readonly K[]): Pick<Config, K> {
  return Object.fromEntries(keys.map((key) => [key, config[key]])) as Pick<Config, K>;
}

export const runSettings = (config: Config): RunSettings =>
  pick(config, [
    "leaseTtlMs",
    "leaseRenewMs",
    "taskStartMs",
    "priorityWeight",
    "defaultMaxRuntimeMinutes",
    "commandCwd",
    "maxOutputBytes",
    "workspaceRepo",
    "workspaceRef",
    "wlTimeoutMs",
    "delegateAssignee",
    "verifyPrWithGh",
    "defaultAgent",
  ]);

export const tickSettings = (config: Config): TickSettings =>
  pick(config, [
    "leaseTtlMs",
    "taskStartMs",
    "priorityWeight",
    "pollIntervalMs",
    "globalMinIntervalMs",
    "tickIntervalMs",
  ]);

export const notifierSettings = (config: Config): NotifierSettings =>
  pick(config, [
    "backoffBaseMs",
    "maxRetries",
    "discordTimeoutMs",
    "deadLetterFile",
    "deadLetterWebhook",
  ]);

export const dashboardSettings = (
  config: Config,
): SelectionSettings & Pick<Config, "defaultMaxRuntimeMinutes" | "maxRunHistory"> =>
  pick(config, [
    "pollIntervalMs",
    "globalMinIntervalMs",
    "tickIntervalMs",
    "priorityWeight",
    "defaultMaxRuntimeMinutes",
    "maxRunHistory",
  ]);
