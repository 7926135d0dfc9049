import { afterEach, describe, expect, it, vi } from "vitest";

import {
  type DeliveryContext,
  type DeliveryPolicy,
  DISCORD_CONTENT_LIMIT,
  deliverToWebhook,
  discordPayload,
  TRUNCATION_MARKER,
} from "../../src/lib/adapters/discord.js";
import { MINUTE, T0 } from "../support/commands.js";
import { takeLeaks } from "../support/canary.js";
import { capturingLogger, testLogger } from "../support/logger.js";
import {
  type FakeWebhook,
  refusedUrl,
  type Reply,
  reply,
  startFakeWebhook,
} from "../support/webhook-server.js";

const POLICY: DeliveryPolicy = { backoffBaseMs: 2000, maxRetries: 10, requestTimeoutMs: 10_000 };

/** A clock that only moves when the client sleeps; each sleep is recorded, none is real. */
function fakeTime(deadlineIn = 15 * MINUTE) {
  let now = T0;
  const waits: { at: number; ms: number }[] = [];
  const ctx: DeliveryContext = {
    deadline: T0 + deadlineIn,
    clock: () => now,
    sleep: async (ms) => {
      waits.push({ at: now, ms });
      now += ms;
    },
    log: testLogger,
  };
  return { ctx, waits, waited: () => waits.map((w) => w.ms) };
}

/** Delivers `content` (default "x") to `url` under `policy` (default POLICY) on a fakeTime clock. */
async function deliver(
  url: string,
  opts: { policy?: DeliveryPolicy; content?: string; deadlineIn?: number } = {},
) {
  const time = fakeTime(opts.deadlineIn);
  const payload = discordPayload(opts.content ?? "x");
  const result = await deliverToWebhook(url, payload, opts.policy ?? POLICY, time.ctx);
  return { result, ...time };
}

let webhook: FakeWebhook | undefined;
async function serve(script: Reply[], then?: Reply): Promise<FakeWebhook> {
  webhook = await startFakeWebhook(script, then);
  return webhook;
}
afterEach(async () => {
  await webhook?.close();
  webhook = undefined;
});

const sent = (w: FakeWebhook) => w.requests.map((r) => JSON.parse(r.body) as unknown);

describe("deliverToWebhook (real HTTP on loopback)", () => {
  it("delivers on 204 with exactly {content, allowed_mentions: {parse: []}} as JSON", async () => {
    const w = await serve([reply.noContent]);
    const { result, waited } = await deliver(w.url, { content: "hello" });
    expect(result).toEqual({ delivered: true, attempts: 1, status: 204 });
    expect(w.requests).toHaveLength(1);
    expect(w.requests[0]).toMatchObject({
      method: "POST",
      path: new URL(w.url).pathname,
      headers: { "content-type": "application/json" },
    });
    expect(w.requests[0]?.body).toBe('{"content":"hello","allowed_mentions":{"parse":[]}}');
    expect(waited()).toEqual([]);
  });

  it("backs off 2 s then 4 s after two failures, then delivers", async () => {
    const w = await serve([reply.status(500), reply.status(502), reply.noContent]);
    const { result, waited } = await deliver(w.url);
    expect(result).toEqual({ delivered: true, attempts: 3, status: 204 });
    expect(waited()).toEqual([2000, 4000]);
    expect(w.requests).toHaveLength(3);
  });

  it("gives up on a persistent 500 after maxRetries + 1 attempts, with the final status", async () => {
    const w = await serve([], reply.status(500));
    const policy = { ...POLICY, maxRetries: 3 };
    const { result, waited } = await deliver(w.url, { policy });
    expect(result).toEqual({
      delivered: false,
      attempts: 4,
      status: 500,
      reason: "HTTP 500 after 4 attempts",
    });
    expect(waited()).toEqual([2000, 4000, 8000]);
    expect(w.requests).toHaveLength(4);
  });

  it("waits what a 429 asks for: retry_after in the body first, else Retry-After, else backoff", async () => {
    const w = await serve([
      reply.rateLimited({ bodySeconds: 1.5 }),
      reply.rateLimited({ header: "3" }),
      reply.rateLimited({ bodySeconds: 0.25, header: "7" }),
      reply.rateLimited({ header: "soon" }),
      reply.noContent,
    ]);
    const { result, waited } = await deliver(w.url);
    expect(result).toEqual({ delivered: true, attempts: 5, status: 204 });
    // The fourth retry has nothing usable to go on: 2 s × 2^3.
    expect(waited()).toEqual([1500, 3000, 250, 16_000]);
  });

  it("times out a request the server never answers, then retries", async () => {
    const w = await serve([reply.hang, reply.noContent]);
    const policy = { ...POLICY, requestTimeoutMs: 200 };
    const started = performance.now();
    const { result, waited } = await deliver(w.url, { policy });
    expect(result).toEqual({ delivered: true, attempts: 2, status: 204 });
    expect(waited()).toEqual([2000]);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("reports the timeout when a hanging server outlasts every retry", async () => {
    const w = await serve([], reply.hang);
    const policy = { ...POLICY, maxRetries: 1, requestTimeoutMs: 100 };
    const { result } = await deliver(w.url, { policy });
    expect(result).toEqual({
      delivered: false,
      attempts: 2,
      reason: "timed out after 100 ms; gave up after 2 attempts",
    });
  });

  it("counts a 2xx as delivered even when its body stalls, so the message is not posted twice", async () => {
    const w = await serve([{ kind: "stall", status: 200 }]);
    const policy = { ...POLICY, requestTimeoutMs: 200 };
    const { result, waited } = await deliver(w.url, { policy });
    expect(result).toEqual({ delivered: true, attempts: 1, status: 200 });
    expect(w.requests).toHaveLength(1);
    expect(waited()).toEqual([]);
  });

  it("retries after the connection is reset or closed without an answer", async () => {
    const w = await serve([reply.reset, reply.close, reply.noContent]);
    const { result, waited } = await deliver(w.url);
    expect(result).toEqual({ delivered: true, attempts: 3, status: 204 });
    expect(waited()).toEqual([2000, 4000]);
  });

  it("names a reset connection in the reason when it persists", async () => {
    const w = await serve([], reply.reset);
    const policy = { ...POLICY, maxRetries: 1 };
    const { result } = await deliver(w.url, { policy });
    expect(result).toEqual({
      delivered: false,
      attempts: 2,
      reason: "connection reset (ECONNRESET); gave up after 2 attempts",
    });
  });

  it("retries a refused connection", async () => {
    const policy = { ...POLICY, maxRetries: 2 };
    const { result, waited } = await deliver(await refusedUrl(), { policy });
    expect(result).toEqual({
      delivered: false,
      attempts: 3,
      reason: "connection refused (ECONNREFUSED); gave up after 3 attempts",
    });
    expect(waited()).toEqual([2000, 4000]);
  });

  it.each([400, 401, 403, 404])("does not retry a %i", async (status) => {
    const w = await serve(
      [],
      reply.status(status, '{"message": "Unknown Webhook", "code": 10015}'),
    );
    const { result, waited } = await deliver(w.url);
    expect(result).toEqual({ delivered: false, attempts: 1, status, reason: `HTTP ${status}` });
    expect(w.requests).toHaveLength(1);
    expect(waited()).toEqual([]);
  });

  it("does not follow a redirect", async () => {
    const w = await serve([], {
      kind: "answer",
      status: 302,
      headers: { location: "http://127.0.0.1:9/elsewhere" },
    });
    const { result } = await deliver(w.url);
    expect(result).toMatchObject({
      delivered: false,
      attempts: 1,
      status: 302,
      reason: "HTTP 302 (redirects are not followed)",
    });
    expect(w.requests).toHaveLength(1);
  });

  it("fails at once on a URL that is not http(s), without repeating it", async () => {
    const url = "ftp://discord.com/api/webhooks/1/ftp-token-0123456789";
    const { result } = await deliver(url);
    expect(result).toEqual({
      delivered: false,
      attempts: 1,
      reason: "invalid webhook URL or request",
    });
  });

  it("stops retrying when the next wait would pass the deadline", async () => {
    const w = await serve([], reply.status(503));
    const { result, ctx, waits, waited } = await deliver(w.url, { deadlineIn: 10_000 });
    expect(result).toEqual({
      delivered: false,
      attempts: 3,
      status: 503,
      reason: "out of time: next retry in 8 s would pass the deadline (last: HTTP 503)",
    });
    expect(waited()).toEqual([2000, 4000]);
    for (const wait of waits) expect(wait.at + wait.ms).toBeLessThanOrEqual(ctx.deadline);
  });

  it("does not wait for a 429 whose retry_after passes the deadline", async () => {
    const w = await serve([], reply.rateLimited({ bodySeconds: 90 }));
    const { result, waited } = await deliver(w.url, { deadlineIn: MINUTE });
    expect(result).toMatchObject({ delivered: false, attempts: 1, status: 429 });
    expect(result.delivered || result.reason).toMatch(/^out of time: next retry in 90 s/);
    expect(waited()).toEqual([]);
  });

  it("cuts a request short at the deadline, even when its own timeout is longer", async () => {
    const w = await serve([], reply.hang);
    // The clock starts at the first reading, so the first attempt always has the whole
    // 300 ms however long the machine took to get here (CI once spent them before the call).
    let origin: number | undefined;
    const waits: number[] = [];
    const ctx: DeliveryContext = {
      deadline: 300,
      clock: () => Date.now() - (origin ??= Date.now()),
      sleep: async (ms) => void waits.push(ms),
      log: testLogger,
    };
    const result = await deliverToWebhook(w.url, discordPayload("x"), POLICY, ctx);
    // The request timer was the 300 ms left, not the policy's 10 s.
    expect(result).toEqual({
      delivered: false,
      attempts: 1,
      reason:
        "out of time: next retry in 2 s would pass the deadline (last: timed out after 300 ms)",
    });
    expect(waits).toEqual([]);
  });

  it("fails at once, without a request, when called after the deadline", async () => {
    const w = await serve([]);
    const { result } = await deliver(w.url, { deadlineIn: 0 });
    expect(result).toEqual({
      delivered: false,
      attempts: 0,
      reason: "out of time: the deadline has passed",
    });
    expect(w.requests).toHaveLength(0);
  });

  it("sends @everyone and other mentions as text, with mention parsing off", async () => {
    const w = await serve([reply.noContent]);
    const content = "@everyone @here <@123456789> <@&987654321> deploy finished";
    await deliver(w.url, { content });
    expect(sent(w)).toEqual([{ content, allowed_mentions: { parse: [] } }]);
  });

  it("sends 10,000 characters cut to the limit, ending with the marker", async () => {
    const w = await serve([reply.noContent]);
    await deliver(w.url, { content: "a".repeat(10_000) });
    const [received] = sent(w) as { content: string }[];
    expect(received?.content.length).toBeLessThanOrEqual(DISCORD_CONTENT_LIMIT);
    expect(received?.content.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(received?.content.startsWith("a".repeat(1900))).toBe(true);
  });

  it("leaves no connection open behind large response bodies", async () => {
    const big = "x".repeat(1024 * 1024);
    const w = await serve([
      reply.status(500, big),
      { kind: "answer", status: 429, body: big },
      reply.status(200, big),
    ]);
    const { result } = await deliver(w.url);
    expect(result).toEqual({ delivered: true, attempts: 3, status: 200 });
    // A body left unread would hold its connection open until garbage collection; an
    // aborted one is closed by fetch's connection pool within its 4 s keep-alive timeout.
    await vi.waitFor(async () => expect(await w.openConnections()).toBe(0), { timeout: 8000 });
  });

  it("never puts the webhook token in a log line or a reason", async () => {
    const w = await serve(
      [reply.status(500), reply.rateLimited({ bodySeconds: 0.01 }), reply.reset, reply.hang],
      reply.status(404),
    );
    const { log, lines } = capturingLogger();
    const { ctx } = fakeTime();
    const policy = { ...POLICY, requestTimeoutMs: 200 };
    const result = await deliverToWebhook(w.url, discordPayload(w.url), policy, { ...ctx, log });
    expect(result).toMatchObject({ delivered: false, attempts: 5, status: 404 });
    const logged = lines();
    expect(logged.length).toBeGreaterThanOrEqual(5);
    expect(logged.every((l) => l.webhook === w.url.replace(w.token, "****"))).toBe(true);
    expect(JSON.stringify(logged)).not.toContain(w.token);
    expect(result.delivered || result.reason).not.toContain(w.token);
    // The client itself still sends the URL it was given, token and all.
    expect(w.requests.at(-1)?.path).toContain(w.token);
    // This test planted the token in the message itself: the secret scan saw exactly that.
    expect(takeLeaks()).toEqual(
      new Array(5).fill(expect.stringMatching(/^webhook message body: /) as unknown),
    );
  });
});

describe("discordPayload", () => {
  it("keeps content within the limit as it is", () => {
    const text = "b".repeat(DISCORD_CONTENT_LIMIT);
    expect(discordPayload(text)).toEqual({ content: text, allowed_mentions: { parse: [] } });
  });

  it("closes a code block the cut leaves open, so the marker reads as text", () => {
    const content = discordPayload("```\n" + "log line\n".repeat(1000)).content;
    expect(content.length).toBeLessThanOrEqual(DISCORD_CONTENT_LIMIT);
    expect(content.endsWith("\n```" + TRUNCATION_MARKER)).toBe(true);
  });

  it("does not split an emoji at the cut", () => {
    for (const pad of ["", "x"]) {
      const content = discordPayload(pad + "😀".repeat(2000)).content;
      expect(content.length).toBeLessThanOrEqual(DISCORD_CONTENT_LIMIT);
      // encodeURIComponent throws on a lone surrogate.
      expect(() => encodeURIComponent(content)).not.toThrow();
    }
  });
});

describe("posting as the application (the bot's channel)", () => {
  it("sends the bot's Authorization on every attempt, with the same waits on 429 and 5xx", async () => {
    const bot = await serve([
      reply.rateLimited({ bodySeconds: 1.5 }),
      reply.status(502),
      reply.status(200, '{"id": "1"}'),
    ]);
    const time = fakeTime();
    const payload = {
      ...discordPayload("x"),
      components: [{ type: 1, components: [{ type: 2, style: 1, label: "P", custom_id: "a2.x" }] }],
    };
    const result = await deliverToWebhook(bot.url, payload, POLICY, time.ctx, "Bot bot-token-xyz");
    expect(result).toEqual({ delivered: true, attempts: 3, status: 200 });
    expect(time.waited()).toEqual([1500, 4000]);
    expect(bot.requests.map((r) => r.headers.authorization)).toEqual(
      Array(3).fill("Bot bot-token-xyz"),
    );
    expect(JSON.parse(bot.requests[0]?.body ?? "{}")).toEqual(payload);
  });
});
