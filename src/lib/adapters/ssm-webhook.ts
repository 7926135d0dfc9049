import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Config } from "../core/config.js";
import { registerSecret } from "../core/secrets.js";
import { ssmSecret } from "./ssm-secret.js";

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
  const fromSsm = ssmSecret({
    name: config.discordWebhookParam,
    region: config.region,
    cacheMs: config.webhookCacheMs,
    ...(opts.ssm ? { ssm: opts.ssm } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return async () => {
    if (config.discordWebhook) {
      registerSecret(config.discordWebhook);
      return { url: config.discordWebhook, origin: "environment" };
    }
    if (!opts.useSsm) return opts.fallback;
    const url = await fromSsm();
    return url ? { url, origin: "ssm" } : opts.fallback;
  };
}
