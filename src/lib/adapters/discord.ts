import { type WebhookPayload } from "../core/discord-message.js";
import type {
  DeliverToWebhook,
  DeliveryContext,
  DeliveryPolicy,
  DeliveryResult,
} from "../core/ports.js";
import { maskWebhookUrl, redactSecrets, registerSecret, webhookToken } from "../core/secrets.js";

export {
  DISCORD_CONTENT_LIMIT,
  discordPayload,
  TRUNCATION_MARKER,
  type WebhookPayload,
} from "../core/discord-message.js";
export type { DeliveryContext, DeliveryPolicy, DeliveryResult } from "../core/ports.js";

type Attempt =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; status?: number; reason: string; retryAfterMs?: number }
  | { kind: "fail"; status?: number; reason: string };

/** More than this of a response body is never read (a 429's JSON is well under it). */
const MAX_BODY_READ_BYTES = 16 * 1024;

/**
 * POSTs the payload to a Discord webhook, or with `authorization` (`Bot <token>`) to the
 * bot's channel (`POST /channels/<id>/messages`): the same rules either way. 2xx is delivered; network errors, timeouts and
 * 5xx are retried with exponential backoff, 429 after the time Discord asks for; other
 * 4xx and 3xx (redirects are not followed) fail at once. Never waits, and never keeps a
 * request open, past `ctx.deadline`. Retries are logged with the URL masked.
 */
export const deliverToWebhook: DeliverToWebhook = async (
  url: string,
  payload: WebhookPayload,
  policy: DeliveryPolicy,
  ctx: DeliveryContext,
  authorization?: string,
): Promise<DeliveryResult> => {
  // Whatever might echo the URL later (an error message, a log line) is redacted too.
  registerSecret(url);
  if (authorization !== undefined) registerSecret(authorization);
  const token = webhookToken(url);
  if (token !== undefined) registerSecret(token);
  const log = ctx.log.child({ webhook: maskWebhookUrl(url) });
  const body = JSON.stringify(payload);

  const notDelivered = (attempts: number, reason: string, status?: number): DeliveryResult => {
    log.warn({ attempts, status, reason }, "discord webhook: not delivered");
    return { delivered: false, attempts, reason, ...(status !== undefined && { status }) };
  };

  let last: Extract<Attempt, { kind: "retry" }> | undefined;
  for (let attempts = 1; ; attempts++) {
    const left = ctx.deadline - ctx.clock();
    if (left <= 0) {
      const after = last ? ` (last: ${last.reason})` : "";
      return notDelivered(
        attempts - 1,
        `out of time: the deadline has passed${after}`,
        last?.status,
      );
    }
    const attempt = await attemptOnce(
      url,
      body,
      Math.min(policy.requestTimeoutMs, left),
      authorization,
    );
    if (attempt.kind === "delivered") {
      log.debug({ attempts, status: attempt.status }, "discord webhook: delivered");
      return { delivered: true, attempts, status: attempt.status };
    }
    if (attempt.kind === "fail") return notDelivered(attempts, attempt.reason, attempt.status);
    if (attempts > policy.maxRetries) {
      const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
      // "HTTP 500 after 11 attempts"; "timed out after 10000 ms; gave up after 11 attempts".
      const reason =
        attempt.status === undefined
          ? `${attempt.reason}; gave up after ${tries}`
          : `${attempt.reason} after ${tries}`;
      return notDelivered(attempts, reason, attempt.status);
    }
    const wait = attempt.retryAfterMs ?? policy.backoffBaseMs * 2 ** (attempts - 1);
    if (ctx.clock() + wait > ctx.deadline) {
      const reason = `out of time: next retry in ${formatMs(wait)} would pass the deadline (last: ${attempt.reason})`;
      return notDelivered(attempts, reason, attempt.status);
    }
    log.warn(
      { attempts, status: attempt.status, reason: attempt.reason, waitMs: wait },
      "discord webhook: attempt failed, retrying",
    );
    await ctx.sleep(wait);
    last = attempt;
  }
};

async function attemptOnce(
  url: string,
  body: string,
  timeoutMs: number,
  authorization: string | undefined,
): Promise<Attempt> {
  if (!/^https?:$/.test(safeProtocol(url)))
    return { kind: "fail", reason: "invalid webhook URL or request" };
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  try {
    // Node's built-in fetch is undici; using it keeps undici's 0.5 MB out of every bundle.
    // The timer covers connect, headers and body; redirects are not followed.
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "ampa-serverless",
        ...(authorization !== undefined && { authorization }),
      },
      body,
      signal: abort.signal,
      redirect: "manual",
    });
    const status = res.status;
    if (status === 429) {
      const wait = retryAfterMs(
        await readBounded(res),
        res.headers.get("retry-after") ?? undefined,
      );
      return { kind: "retry", status, reason: "HTTP 429 (rate limited)", retryAfterMs: wait };
    }
    // The status decides. The body is dropped without waiting for it (the abort in
    // `finally` closes the connection), so a 2xx whose body stalls is not retried: that
    // would post the message twice.
    if (status >= 200 && status < 300) return { kind: "delivered", status };
    if (status >= 500) return { kind: "retry", status, reason: `HTTP ${status}` };
    const note = status < 400 ? " (redirects are not followed)" : "";
    return { kind: "fail", status, reason: `HTTP ${status}${note}` };
  } catch (err) {
    if (timedOut) return { kind: "retry", reason: `timed out after ${timeoutMs} ms` };
    return networkFailure(err);
  } finally {
    clearTimeout(timer);
    // Never leave a response body (and its connection) behind.
    abort.abort();
  }
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return "";
  }
}

/** Reads at most MAX_BODY_READ_BYTES, then cancels the rest; "" when the read fails. */
async function readBounded(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      if (size >= MAX_BODY_READ_BYTES) break;
    }
  } catch {
    return "";
  } finally {
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Discord's wait before retrying a 429: `retry_after` in the JSON body (seconds, may be
 * fractional), else the Retry-After header (seconds); undefined when neither is usable,
 * so the caller falls back to its backoff.
 */
function retryAfterMs(body: string, header: string | undefined): number | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === "object" && "retry_after" in parsed) {
      const ms = secondsToMs(parsed.retry_after);
      if (ms !== undefined) return ms;
    }
  } catch {
    // Not JSON: try the header.
  }
  return header === undefined || header.trim() === "" ? undefined : secondsToMs(Number(header));
}

function secondsToMs(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? Math.ceil(value * 1000)
    : undefined;
}

/**
 * Names a network failure by its code (fetch puts it on `cause`); the message only after
 * redaction, when unknown.
 */
function networkFailure(err: unknown): Attempt {
  const cause = (err as { cause?: unknown } | null)?.cause;
  const code =
    (cause as { code?: unknown } | null)?.code ?? (err as { code?: unknown } | null)?.code;

  switch (code) {
    case "ECONNREFUSED":
      return { kind: "retry", reason: "connection refused (ECONNREFUSED)" };
    case "ECONNRESET":
      return { kind: "retry", reason: "connection reset (ECONNRESET)" };
    case "UND_ERR_SOCKET":
      return { kind: "retry", reason: "socket hang up: the server closed the connection" };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { kind: "retry", reason: `host name not resolved (${code})` };
    case "UND_ERR_INVALID_ARG":
      return { kind: "fail", reason: "invalid webhook URL or request" };
  }
  const message = err instanceof Error ? err.message : String(err);
  const label = typeof code === "string" ? ` (${code})` : "";
  return { kind: "retry", reason: redactSecrets(`request failed${label}: ${message}`) };
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
