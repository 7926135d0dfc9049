import type { Config } from "../core/config.js";
import { registerSecret, webhookToken } from "../core/secrets.js";
import type { Env } from "./config.js";

/**
 * This process's own credentials, as the environment holds them: the worker's AWS keys
 * (Lambda's raw keys, the container credentials' token) and AMPA's secrets. Read here
 * rather than in config.ts because they are no settings: they are only ever redacted.
 */
export const CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AMPA_METRICS_TOKEN",
  "AMPA_DISCORD_WEBHOOK",
  "AMPA_DEADLETTER_WEBHOOK",
  "AMPA_DISCORD_BOT_TOKEN",
  "AMPA_DISCORD_BUTTON_KEY",
] as const;

type SecretSettings = Pick<
  Config,
  "discordWebhook" | "deadLetterWebhook" | "metricsToken" | "discordBotToken" | "discordButtonKey"
>;

/**
 * Registers every secret this process holds before anything it runs can print one:
 * called at start-up by every process (Lambda handlers and the task worker through
 * createApp, the CLI, `npm start`). Webhook URLs count whole and by their token.
 */
export function registerProcessSecrets(config: SecretSettings, env: Env = process.env): void {
  const values = [
    ...CREDENTIAL_VARIABLES.map((name) => env[name]),
    config.discordWebhook,
    config.deadLetterWebhook,
    config.metricsToken,
    config.discordBotToken,
    config.discordButtonKey,
  ];
  for (const value of values) registerCredential(value);
}

/** Registers a secret, and a webhook URL's token on its own too. */
export function registerCredential(value: string | undefined): void {
  const trimmed = value?.trim();
  if (!trimmed) return;
  registerSecret(trimmed);
  const token = webhookToken(trimmed);
  if (token !== undefined) registerSecret(token);
}
