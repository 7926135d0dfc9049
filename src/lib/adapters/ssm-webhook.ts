import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Config } from "../core/config.js";
import type { ResolvedWebhook, WebhookSource } from "../core/notify-ports.js";
import { registerSecret } from "../core/secrets.js";
import { type SecretSource, ssmSecret } from "./ssm-secret.js";

export type { ResolvedWebhook, WebhookOrigin, WebhookSource } from "../core/notify-ports.js";

/** Application mode: the bot posts to a channel (`POST /channels/<id>/messages`), with buttons. */
export interface BotTarget {
  /** Discord's REST API (the local inbox, locally). */
  apiUrl: string;
  /** The channel's id: AMPA_DISCORD_CHANNEL_ID, else SSM /ampa/<stage>/discord/channel-id. */
  channelId: SecretSource;
  /** The bot token: AMPA_DISCORD_BOT_TOKEN, else SSM /ampa/<stage>/discord/bot-token. */
  token: SecretSource;
}

const SNOWFLAKE = /^\d{1,20}$/;

/**
 * A webhook the application owns (`ampa discord setup` makes one) shows buttons when it is
 * executed with `?with_components=true`: its URL says so.
 */
const withButtons = (webhook: ResolvedWebhook | undefined): ResolvedWebhook | undefined => {
  if (!webhook) return undefined;
  let query: URLSearchParams;
  try {
    query = new URL(webhook.url).searchParams;
  } catch {
    return webhook;
  }
  return query.get("with_components") === "true" ? { ...webhook, buttons: true } : webhook;
};

/**
 * Where posts go. Application mode first, when a channel id and a bot token both resolve
 * (`bot`); else the webhook (with buttons when its URL asks `with_components=true`): `AMPA_DISCORD_WEBHOOK` (environment or .env), else the SSM
 * SecureString `AMPA_DISCORD_WEBHOOK_PARAM`, read with decryption and cached for
 * `AMPA_WEBHOOK_CACHE_SECONDS` per container (a rotated secret is picked up after that).
 * A missing parameter means "not configured"; other SSM errors are thrown.
 */
export function webhookSource(
  config: Pick<Config, "discordWebhook" | "discordWebhookParam" | "webhookCacheMs" | "region">,
  opts: {
    useSsm: boolean;
    ssm?: SSMClient;
    clock?: () => number;
    fallback?: ResolvedWebhook;
    bot?: BotTarget;
  },
): WebhookSource {
  const fromSsm = ssmSecret({
    name: config.discordWebhookParam,
    region: config.region,
    cacheMs: config.webhookCacheMs,
    ...(opts.ssm ? { ssm: opts.ssm } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const webhook = async (): Promise<ResolvedWebhook | undefined> => {
    if (config.discordWebhook) {
      registerSecret(config.discordWebhook);
      return withButtons({ url: config.discordWebhook, origin: "environment" });
    }
    if (!opts.useSsm) return opts.fallback;
    const url = await fromSsm();
    return url ? withButtons({ url, origin: "ssm" }) : opts.fallback;
  };
  const { bot } = opts;
  if (!bot) return webhook;
  return async () => {
    const channelId = await bot.channelId();
    const token = channelId && SNOWFLAKE.test(channelId) ? await bot.token() : undefined;
    if (!channelId || !token) return webhook();
    registerSecret(token);
    return {
      url: `${bot.apiUrl}/channels/${channelId}/messages`,
      origin: "bot",
      authorization: `Bot ${token}`,
      buttons: true,
    };
  };
}
