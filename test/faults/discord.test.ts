import { deliverToWebhook } from "../../src/lib/adapters/discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/lib/runtime/config.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { commandRuntime } from "../../src/lib/app/commands/registry.js";
import { renderMetrics } from "../../src/lib/adapters/prometheus.js";
import { Notifier, type SendResult } from "../../src/lib/app/notify/notifier.js";
import { webhookSource } from "../../src/lib/adapters/ssm-webhook.js";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore, type Store } from "../../src/lib/adapters/dynamodb/store.js";
import { capturingLogger } from "../support/logger.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import {
  type FakeWebhook,
  type Reply,
  reply,
  startFakeWebhook,
} from "../support/webhook-server.js";
import { seededRandom } from "../support/random.js";
import { report } from "./report.js";

/**
 * Issue 6, item 2: 1,000 distinct messages through the real Notifier and Discord client to
 * a real loopback webhook that answers with a seeded mix of 429 storms, 5xx, hangs, resets,
 * closes and successes. Then the webhook heals and two redrives run at once.
 *
 * "Delivered" means the fake answered 2xx (a 204, or a 200 whose body then stalls): that is
 * the only case in which it treats the message as posted, as Discord would. Every other
 * reply (429, 5xx, hang, reset, close) comes before the fake "processes" the message, so a
 * retry after it cannot post twice. A real Discord could process a request and then lose
 * the connection; such a message would be posted twice by any at-least-once client (Discord
 * webhooks take no idempotency key). The scenario reports how many requests ended that way
 * (`unanswered`: hangs + resets + closes after the full body was read): the upper bound of
 * visible duplicates had Discord processed every one of them.
 */

const MESSAGES = 1000;
/** Concurrent senders, like several Lambda containers posting at once. */
const SENDERS = 10;
const SEED = 0x6a_6d_70_61;
/** Short but realistic: 100 ms backoff base (100, 200, 400 ms), 3 retries, 1 s per request. */
const KNOBS = {
  AMPA_BACKOFF_BASE_SECONDS: "0.1",
  AMPA_MAX_RETRIES: "3",
  AMPA_DISCORD_TIMEOUT_SECONDS: "1",
};
/** Every 250 requests a storm: 40 consecutive requests answered 429 with `retry_after`. */
const STORM_EVERY = 250;
const STORM_LENGTH = 40;

type Fate = "ok" | "429" | "5xx" | "hang" | "reset" | "close" | "other";

function fate(r: Reply): Fate {
  switch (r.kind) {
    case "answer":
      if (r.status === 429) return "429";
      if (r.status >= 500) return "5xx";
      return r.status >= 200 && r.status < 300 ? "ok" : "other";
    case "stall":
      return r.status >= 200 && r.status < 300 ? "ok" : "other";
    default:
      return r.kind;
  }
}

/** storm: 429 bursts plus the mix of faults; healed: 204 only. */
type Weather = "storm" | "healed";

/** The fault script: by request index, with the seeded PRNG, in the current weather. */
function faultScript(random: () => number, weather: () => Weather): (n: number) => Reply {
  return (n) => {
    if (weather() === "healed") return reply.noContent;
    const r = random();
    if (n % STORM_EVERY < STORM_LENGTH) {
      // Discord's bucket is empty: it says how long to wait (fractional seconds in the
      // body; an integer Retry-After header that the body overrides).
      const bodySeconds = Math.round((0.05 + random() * 0.25) * 1000) / 1000;
      return r < 0.9
        ? reply.rateLimited({ bodySeconds, header: "1" })
        : reply.rateLimited({ header: "1" });
    }
    if (r < 0.5) return reply.noContent;
    if (r < 0.55) return { kind: "stall", status: 200 };
    if (r < 0.62) return reply.status(500);
    if (r < 0.67) return reply.status(502);
    if (r < 0.72) return reply.status(503);
    if (r < 0.77) return reply.hang;
    if (r < 0.83) return reply.reset;
    if (r < 0.89) return reply.close;
    if (r < 0.94) return reply.rateLimited({ bodySeconds: 0.1 });
    return reply.noContent;
  };
}

const markerOf = (body: string): string | undefined =>
  /marker (m-\d{4}-[a-z0-9]+)/.exec((JSON.parse(body) as { content: string }).content)?.[1];

let server: EmbeddedStore;
let webhook: FakeWebhook;
const logs = capturingLogger();

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await webhook?.close();
  await server?.close();
});

function notifierOn(store: Store, url: string): Notifier {
  const { config } = parseConfig({ ...KNOBS, AMPA_DISCORD_WEBHOOK: url });
  return new Notifier({
    store,
    webhook: webhookSource(config, { useSsm: false }),
    deliver: deliverToWebhook,
    config,
    log: logs.log,
    clock: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
}

/** Another "process" on the same table: its own DynamoDB client. */
function otherStore(t: TestTable): Store {
  return createStore(
    createDocumentClient(
      createDynamoClient({ region: "us-east-1", endpoint: server.endpoint, key: server.key }),
    ),
    t.store.options,
  );
}

async function counter(store: Store, outcome: string): Promise<number> {
  const metric = (await store.listMetrics()).find(
    (m) =>
      m.name === "ampa_discord_messages_total" &&
      m.labels.kind === "command" &&
      m.labels.outcome === outcome,
  );
  return metric?.value ?? 0;
}

describe("Discord: 429 storms, 500s, hangs, resets across 1,000 messages", () => {
  it("delivers or dead-letters every message, and after redrive every one is delivered exactly once", async () => {
    const started = Date.now();
    const t = await createTestTable(server.endpoint);
    let weather: Weather = "storm";
    webhook = await startFakeWebhook(
      faultScript(seededRandom(SEED), () => weather),
      reply.noContent,
      { maxRequests: 20 * MESSAGES },
    );
    const tag = Date.now().toString(36);
    const markers = Array.from(
      { length: MESSAGES },
      (_, i) => `m-${String(i).padStart(4, "0")}-${tag}`,
    );
    const contentOf = (marker: string) => `# Fault run\n\nmessage marker ${marker}`;

    // Phase 1: the storm. SENDERS workers take messages off one queue.
    const sender = notifierOn(t.store, webhook.url);
    const results = new Map<string, SendResult>();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (let i = next++; i < MESSAGES; i = next++) {
          const marker = markers[i] as string;
          results.set(marker, await sender.send("command", contentOf(marker)));
        }
      }),
    );
    const stormRequests = webhook.requests.length;
    const stormFates = webhook.replies.map(fate);
    const deliveredFirst = [...results.values()].filter((r) => r.delivered).length;
    const deadLettered = [...results.values()].filter((r) => !r.delivered).length;
    const lettersStored = await t.store.countDeadLetters();
    const stormAttempts = [...results.values()].reduce((sum, r) => sum + r.attempts, 0);

    // Phase 2: an operator redrives too early, while the storm goes on: two redrives at
    // once, each with its own store client, as two `ampa deadletters redrive` processes
    // would. Letters that fail again are released for the next redrive.
    const redriveAll = () =>
      Promise.all([
        notifierOn(otherStore(t), webhook.url).redrive(),
        notifierOn(otherStore(t), webhook.url).redrive(),
      ]);
    const redriveStarted = Date.now();
    const early = await redriveAll();
    const earlyRequests = webhook.requests.length - stormRequests;
    const lettersAfterEarly = await t.store.countDeadLetters();
    const retriedLetters = (await t.store.listDeadLetters()).filter(
      (l) => (l.redriveAttempts ?? 0) > 0,
    ).length;
    // Phase 3: healed; two redrives at once again.
    weather = "healed";
    const healedRound = await redriveAll();
    const redriveMs = Date.now() - redriveStarted;
    const rounds = [...early, ...healedRound];
    const sum = (key: "delivered" | "failed" | "skipped", of = rounds) =>
      of.reduce((n, r) => n + r[key], 0);

    // Exactly once: per marker, the number of requests the fake answered 2xx.
    const okByMarker = new Map<string, number>();
    let okBodiesMismatched = 0;
    webhook.requests.forEach((request, i) => {
      if (fate(webhook.replies[i] as Reply) !== "ok") return;
      const marker = markerOf(request.body) ?? "?";
      okByMarker.set(marker, (okByMarker.get(marker) ?? 0) + 1);
      const expected = { content: contentOf(marker), allowed_mentions: { parse: [] } };
      if (request.body !== JSON.stringify(expected)) okBodiesMismatched++;
    });
    const duplicates = markers.reduce((n, m) => n + Math.max((okByMarker.get(m) ?? 0) - 1, 0), 0);
    const lost = markers.filter((m) => !okByMarker.has(m)).length;
    const strangers = [...okByMarker.keys()].filter((m) => !markers.includes(m)).length;
    // A dead-lettered message must not have been answered 2xx in the storm (it would be
    // posted twice by the redrive).
    const answeredButLettered = webhook.requests
      .slice(0, stormRequests)
      .filter(
        (request, i) =>
          stormFates[i] === "ok" && !results.get(markerOf(request.body) ?? "")?.delivered,
      ).length;

    // Over every request, the storm's and the redrives'.
    const count = (f: Fate) => webhook.replies.filter((r) => fate(r) === f).length;
    const lettersLeft = await t.store.countDeadLetters();
    const { commands, corrupt } = await t.store.listCommands();
    const metrics = (
      await renderMetrics({
        commands,
        runtimeOf: commandRuntime,
        corruptItems: corrupt.length,
        stored: await t.store.listMetrics(),
        notify: await t.store.getNotifyState(),
        deadLetters: lettersLeft,
        now: Date.now(),
      })
    ).body;
    const sentCounter = await counter(t.store, "sent");
    const deadLetterCounter = await counter(t.store, "dead_letter");
    const redrivenCounter = await counter(t.store, "redriven");
    const leaked = JSON.stringify(logs.lines()).includes(webhook.token);

    report("discord-storm", {
      messages: MESSAGES,
      senders: SENDERS,
      seed: SEED,
      attempts: webhook.requests.length,
      stormAttempts: stormRequests,
      "429s": count("429"),
      "5xx": count("5xx"),
      hangs: count("hang"),
      resets: count("reset"),
      closes: count("close"),
      ok2xx: count("ok"),
      stalled2xx: webhook.replies.filter((r) => r.kind === "stall").length,
      unanswered: count("hang") + count("reset") + count("close"),
      deliveredFirstTime: deliveredFirst,
      deadLettered,
      redrivenInStorm: sum("delivered", early),
      redriveFailedInStorm: sum("failed", early),
      redrivenWhenHealed: sum("delivered", healedRound),
      redriven: sum("delivered"),
      redriveSkippedAsHeld: sum("skipped"),
      redriveRequests: webhook.requests.length - stormRequests,
      duplicates,
      lost,
      deadLettersLeft: lettersLeft,
      redriveSeconds: (redriveMs / 1000).toFixed(1),
      wallSeconds: ((Date.now() - started) / 1000).toFixed(1),
    });

    // Phase 1: every message has an outcome, and the store agrees.
    expect(results.size).toBe(MESSAGES);
    expect(deliveredFirst + deadLettered).toBe(MESSAGES);
    expect(deadLettered).toBeGreaterThan(0); // the faults bit
    expect(stormFates.filter((f) => f === "ok").length).toBe(deliveredFirst);
    expect(lettersStored).toBe(deadLettered);
    expect(stormAttempts).toBe(stormRequests);
    expect(answeredButLettered).toBe(0);
    // Every fault kind was injected.
    for (const f of ["429", "5xx", "hang", "reset", "close"] as const)
      expect(count(f), f).toBeGreaterThan(0);

    // Phases 2 and 3: each letter redriven once, by one of the redrives; a failed one kept
    // (with its attempt noted) for the next.
    // (Usually a few fail again in the storm: redriveFailedInStorm; not asserted, as it
    // depends on timing.)
    expect(lettersAfterEarly).toBe(deadLettered - sum("delivered", early));
    expect(retriedLetters).toBe(lettersAfterEarly);
    expect(earlyRequests).toBeGreaterThanOrEqual(deadLettered);
    expect(sum("delivered")).toBe(deadLettered);
    expect(sum("failed", healedRound)).toBe(0);
    expect(webhook.requests.length - stormRequests - earlyRequests).toBe(lettersAfterEarly);

    // Exactly once, with the original content.
    expect({ duplicates, lost, strangers, okBodiesMismatched }).toEqual({
      duplicates: 0,
      lost: 0,
      strangers: 0,
      okBodiesMismatched: 0,
    });
    expect(lettersLeft).toBe(0);
    expect(await t.store.listDeadLetters()).toEqual([]);

    // Counters and /metrics agree with what the webhook saw.
    expect({ sentCounter, deadLetterCounter, redrivenCounter }).toEqual({
      sentCounter: deliveredFirst,
      deadLetterCounter: deadLettered,
      redrivenCounter: deadLettered,
    });
    expect(metrics).toContain(
      `ampa_discord_messages_total{kind="command",outcome="sent"} ${deliveredFirst}`,
    );
    expect(metrics).toContain(
      `ampa_discord_messages_total{kind="command",outcome="redriven"} ${deadLettered}`,
    );
    expect(metrics).toContain("ampa_deadletters 0");
    expect(leaked).toBe(false);
  });
});
