import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import type { Config } from "../core/config.js";
import { registerSecret } from "../core/secrets.js";

/** Where the Discord webhook came from, for /health and messages (never the URL itself). */
export type WebhookOrigin = "environment" | "ssm" | "local-inbox";

export interface ResolvedWebhook {
  url: string;
  origin: WebhookOrigin;
}

export type WebhookSource = () => Promise<ResolvedWebhook | undefined>;

/**
 * The webhook: `AMPA_DISCORD_WEBHOOK` (environment or .env) first, else the SSM
 * SecureString `AMPA_DISCORD_WEBHOOK_PARAM`, read with decryption and cached for
 * `AMPA_WEBHOOK_CACHE_SECONDS` per container (a rotated secret is picked up after that).
 * A missing parameter means "not configured"; other SSM errors are thrown.
 */
export function webhookSource(
  config: Pick<Config, "discordWebhook" | "discordWebhookParam" | "webhookCacheMs" | "region">,
  opts: { useSsm: boolean; ssm?: SSMClient; clock?: () => number; fallback?: ResolvedWebhook },
): WebhookSource {
  const clock = opts.clock ?? Date.now;
  let cached: { value: ResolvedWebhook | undefined; at: number } | undefined;
  let client = opts.ssm;
  return async () => {
    if (config.discordWebhook) {
      registerSecret(config.discordWebhook);
      return { url: config.discordWebhook, origin: "environment" };
    }
    if (!opts.useSsm) return opts.fallback;
    if (cached && clock() - cached.at < config.webhookCacheMs) return cached.value ?? opts.fallback;
    client ??= new SSMClient({ region: config.region });
    let value: ResolvedWebhook | undefined;
    try {
      const { Parameter } = await client.send(
        new GetParameterCommand({ Name: config.discordWebhookParam, WithDecryption: true }),
      );
      const url = Parameter?.Value?.trim()
        .replace(/^(["'])(.*)\1$/s, "$2")
        .trim();
      if (url) {
        registerSecret(url);
        value = { url, origin: "ssm" };
      }
    } catch (err) {
      if (!(err instanceof ParameterNotFound)) throw err;
    }
    cached = { value, at: clock() };
    return value ?? opts.fallback;
  };
}
