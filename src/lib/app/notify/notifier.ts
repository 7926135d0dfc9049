import { appendFile } from "node:fs/promises";
import type { Config } from "../../core/config.js";
import { type Deadline, stopBy } from "../../core/deadline.js";
import { discordPayload, type WebhookPayload } from "../../core/discord-message.js";
import { type PostButtons, postButtons } from "../../core/discord/buttons.js";
import { asError, type Logger } from "../../core/logger.js";
import type {
  Clock,
  CounterStore,
  DeadLetter,
  DeadLetterStore,
  DeliverToWebhook,
  DeliveryPolicy,
  MessageAbout,
  MessageKind,
  MessageLog,
  Notify,
  ResolvedWebhook,
  SendResult,
  WebhookSource,
} from "../../core/ports.js";
import { newRunId } from "../../core/run-record.js";
import { redactSecrets } from "../../core/secrets.js";

export type { MessageKind, SendResult } from "../../core/ports.js";

/**
 * Messages about work done hold the next scheduled heartbeat back (the seed's rule);
 * the startup message does not, so a fresh start is followed by a heartbeat.
 */
const QUIETS_HEARTBEAT: Record<MessageKind, boolean> = {
  command: true,
  audit: true,
  delegation: true,
  heartbeat: false,
  startup: false,
};

export interface RedriveResult {
  total: number;
  delivered: number;
  failed: number;
  /** Held by a concurrent redrive. */
  skipped: number;
}

/** What the notifier reads: the delivery policy and where dead letters also go. */
export type NotifierSettings = Pick<
  Config,
  "backoffBaseMs" | "maxRetries" | "discordTimeoutMs" | "deadLetterFile" | "deadLetterWebhook"
>;

export interface NotifierDeps {
  /** What sending and redriving write: the message time, dead letters, counters. */
  store: Pick<MessageLog, "recordMessageSent"> & DeadLetterStore & CounterStore;
  webhook: WebhookSource;
  /** The HTTP delivery (adapters/discord.ts). */
  deliver: DeliverToWebhook;
  config: NotifierSettings;
  log: Logger;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** The invocation's deadline (core/deadline.ts): no retry wait passes it. */
  deadline?: Deadline;
  /** Longest one send may take, retries included (interactive callers such as the CLI). */
  maxSendMs?: number;
  /** The key sealing buttons' custom_ids; without one, posts carry no buttons. */
  buttonKey?: () => Promise<string | undefined>;
}

/** A redrive's send ends this long before its hold on the letter does. */
const REDRIVE_MARGIN_MS = 5_000;
const PAYLOAD_EXCERPT = 200;
/** How long a redrive holds a dead letter it is sending. */
const REDRIVE_CLAIM_MS = 5 * 60_000;

/**
 * Sends markdown messages to the Discord webhook reliably: retries per the delivery policy,
 * never past the invocation's deadline; a message that still fails becomes a dead letter
 * (DynamoDB, plus AMPA_DEADLETTER_WEBHOOK / AMPA_DEADLETTER_FILE when set) for redrive.
 */
export class Notifier implements Notify {
  constructor(private readonly deps: NotifierDeps) {}

  private get policy(): DeliveryPolicy {
    const { config } = this.deps;
    return {
      backoffBaseMs: config.backoffBaseMs,
      maxRetries: config.maxRetries,
      requestTimeoutMs: config.discordTimeoutMs,
    };
  }

  private deadline(): number {
    const { deadline, clock, maxSendMs } = this.deps;
    return Math.min(
      stopBy(deadline),
      maxSendMs === undefined ? Number.POSITIVE_INFINITY : clock() + maxSendMs,
    );
  }

  /** True when a webhook resolves (environment, SSM or the local inbox). */
  async configured(): Promise<boolean> {
    return (await this.deps.webhook()) !== undefined;
  }

  /** The payload: with the post's buttons when the target shows them and a key seals them. */
  private async payload(
    markdown: string,
    target: ResolvedWebhook,
    buttons: PostButtons | undefined,
  ): Promise<WebhookPayload> {
    const payload = discordPayload(markdown);
    if (!buttons || !target.buttons) return payload;
    const key = await this.deps.buttonKey?.();
    const components = key ? postButtons(key, buttons) : [];
    return components.length ? { ...payload, components } : payload;
  }

  async send(
    kind: MessageKind,
    message: string,
    about?: MessageAbout,
    buttons?: PostButtons,
  ): Promise<SendResult> {
    const { store, log, clock } = this.deps;
    const webhook = await this.deps.webhook();
    // Every post and dead letter leaves redacted (after the webhook is known, so its
    // token counts too), whichever runner or handler wrote it.
    const markdown = redactSecrets(message);
    if (!webhook) {
      const letter = await this.deadLetter(
        kind,
        markdown,
        "no Discord webhook configured",
        0,
        about,
      );
      return { delivered: false, attempts: 0, deadLetterId: letter.id, reason: letter.reason };
    }
    const result = await this.deps.deliver(
      webhook.url,
      await this.payload(markdown, webhook, buttons),
      this.policy,
      { deadline: this.deadline(), clock, sleep: this.deps.sleep, log },
      webhook.authorization,
    );
    if (result.delivered) {
      await store.recordMessageSent(kind, clock(), QUIETS_HEARTBEAT[kind]);
      await store.incrementCounter("ampa_discord_messages_total", { kind, outcome: "sent" });
      return { delivered: true, attempts: result.attempts };
    }
    const letter = await this.deadLetter(kind, markdown, result.reason, result.attempts, about);
    return {
      delivered: false,
      attempts: result.attempts,
      deadLetterId: letter.id,
      reason: result.reason,
    };
  }

  private async deadLetter(
    kind: MessageKind,
    content: string,
    reason: string,
    attempts: number,
    about: MessageAbout | undefined,
  ): Promise<DeadLetter> {
    const { store, log, config, clock } = this.deps;
    log.error(
      { kind, reason, attempts, payload: content.slice(0, PAYLOAD_EXCERPT) },
      "Discord message not delivered: kept as a dead letter",
    );
    const letter = await store.putDeadLetter({
      kind,
      // Kept as it would be posted (at most 2,000 characters): a title from wl can be
      // megabytes, and an item over DynamoDB's 400 KB would lose the letter altogether.
      content: discordPayload(content).content,
      reason,
      attempts,
      createdAt: clock(),
      ...about,
    });
    await store.incrementCounter("ampa_discord_messages_total", { kind, outcome: "dead_letter" });
    if (config.deadLetterFile) {
      try {
        // Owner-only: a dead letter is a whole message.
        await appendFile(config.deadLetterFile, `${JSON.stringify(letter)}\n`, { mode: 0o600 });
      } catch (err) {
        log.error(
          { err: asError(err).message, file: config.deadLetterFile },
          "could not append to AMPA_DEADLETTER_FILE",
        );
      }
    }
    if (config.deadLetterWebhook) {
      const notice = `# AMPA dead letter\n\nA ${kind} message could not be delivered (${reason}).\n\n${content}`;
      const sent = await this.deps.deliver(
        config.deadLetterWebhook,
        discordPayload(notice),
        { ...this.policy, maxRetries: 0 },
        { deadline: this.deadline(), clock, sleep: this.deps.sleep, log },
      );
      if (!sent.delivered)
        log.error(
          { reason: sent.reason },
          "AMPA_DEADLETTER_WEBHOOK did not accept the dead letter",
        );
    }
    return letter;
  }

  /**
   * Resends every dead letter, oldest first; each delivered one is deleted. A letter is
   * claimed before it is sent, so concurrent redrives deliver each one once.
   */
  async redrive(
    onEach?: (letter: DeadLetter, delivered: boolean, reason?: string) => void,
  ): Promise<RedriveResult> {
    const { store, clock, log } = this.deps;
    const letters = await store.listDeadLetters();
    const result: RedriveResult = { total: letters.length, delivered: 0, failed: 0, skipped: 0 };
    const webhook = await this.deps.webhook();
    for (const letter of letters) {
      const token = newRunId();
      const claimedAt = clock();
      if (!(await store.claimDeadLetter(letter.id, token, claimedAt, REDRIVE_CLAIM_MS))) {
        result.skipped++;
        continue;
      }
      // The send ends before the claim does: past it, another redrive may take the letter
      // and post it a second time (with the default policy one send can take over 30 min).
      const claimEnd = claimedAt + REDRIVE_CLAIM_MS - REDRIVE_MARGIN_MS;
      const sent = webhook
        ? await this.deps.deliver(
            webhook.url,
            discordPayload(redactSecrets(letter.content)),
            this.policy,
            {
              deadline: Math.min(this.deadline(), claimEnd),
              clock,
              sleep: this.deps.sleep,
              log,
            },
            webhook.authorization,
          )
        : { delivered: false as const, attempts: 0, reason: "no Discord webhook configured" };
      if (sent.delivered) {
        await store.deleteDeadLetter(letter.id, token);
        await store.incrementCounter("ampa_discord_messages_total", {
          kind: letter.kind,
          outcome: "redriven",
        });
        result.delivered++;
        onEach?.(letter, true);
      } else {
        await store.releaseDeadLetter(letter.id, token, sent.reason, clock());
        result.failed++;
        onEach?.(letter, false, redactSecrets(sent.reason));
      }
    }
    return result;
  }
}
