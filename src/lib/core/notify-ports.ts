/** The notify ports: Discord delivery, the webhook, and the notifier the use cases post through. */
import type { WebhookPayload } from "./discord-message.js";
import type { PostButtons } from "./discord/buttons.js";
import type { Logger } from "./logger.js";

/** Shortens text for Discord; undefined when it cannot (the caller then cuts the text). */
export type Summarizer = (text: string) => Promise<string | undefined>;

/** How hard to try. */
export interface DeliveryPolicy {
  /** The first retry waits this long; each further retry waits twice as long as the one before. */
  backoffBaseMs: number;
  /** Retries after the first attempt, so at most maxRetries + 1 attempts. */
  maxRetries: number;
  /** Longest time one request may take, headers and body; also capped by the deadline. */
  requestTimeoutMs: number;
}

/** Time and logging, passed in so callers (and tests) control them. */
export interface DeliveryContext {
  /** Epoch ms: never wait or keep a request open past this (the Lambda invocation's end, minus a margin the caller chooses). */
  deadline: number;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
}

/** The outcome of a delivery; `reason` is short, human, and never contains the webhook token. */
export type DeliveryResult =
  | { delivered: true; attempts: number; status: number }
  | { delivered: false; attempts: number; status?: number; reason: string };

/**
 * POSTs a payload to a webhook (or, with `authorization`, to the bot's channel) per the
 * policy; never throws (adapters/discord.ts).
 */
export type DeliverToWebhook = (
  url: string,
  payload: WebhookPayload,
  policy: DeliveryPolicy,
  ctx: DeliveryContext,
  authorization?: string,
) => Promise<DeliveryResult>;

/**
 * Where the Discord webhook came from, for /health and messages (never the URL itself);
 * `bot`: the application posts through its bot to a channel.
 */
export type WebhookOrigin = "environment" | "ssm" | "local-inbox" | "bot";

export interface ResolvedWebhook {
  url: string;
  origin: WebhookOrigin;
  /** `Bot <token>` when the application posts (`POST /channels/<id>/messages`): a secret. */
  authorization?: string;
  /** Whether posts may carry buttons (only when the application posts). */
  buttons?: boolean;
}

/** The webhook, resolved when needed (environment, SSM, or the local inbox). */
export type WebhookSource = () => Promise<ResolvedWebhook | undefined>;

/** What a message is about; a label on ampa_discord_messages_total. */
export type MessageKind = "command" | "heartbeat" | "startup" | "audit" | "delegation";

export interface SendResult {
  delivered: boolean;
  attempts: number;
  /** Set when the message was not delivered: it is kept as this dead letter. */
  deadLetterId?: string;
  reason?: string;
}

/** The run a message is about: kept on its dead letter, if it becomes one. */
export interface MessageAbout {
  commandId: string;
  runId: string;
}

/** Posts markdown messages (app/notify/notifier.ts implements it over Discord). */
export interface Notify {
  /** `buttons`: what the post offers, shown when the application posts (docs/discord.md). */
  send(
    kind: MessageKind,
    markdown: string,
    about?: MessageAbout,
    buttons?: PostButtons,
  ): Promise<SendResult>;
  /** True when a webhook resolves (environment, SSM or the local inbox). */
  configured(): Promise<boolean>;
}
