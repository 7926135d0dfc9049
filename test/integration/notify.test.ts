import { deliverToWebhook } from "../../src/lib/adapters/discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/lib/runtime/config.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { renderMetrics } from "../../src/lib/adapters/prometheus.js";
import { Notifier } from "../../src/lib/app/notify/notifier.js";
import { webhookSource } from "../../src/lib/adapters/ssm-webhook.js";
import { executeClaim } from "../../src/lib/app/run.js";
import { commandRuntime, createRunners } from "../../src/lib/app/commands/registry.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import { HEARTBEAT_QUIET_MS, sendHeartbeat } from "../../src/lib/app/commands/heartbeat/send.js";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore, type Store } from "../../src/lib/adapters/dynamodb/store.js";
import { scanForCanary } from "../support/canary.js";
import { claimStored } from "../support/claims.js";
import { spec } from "../support/commands.js";
import { capturingLogger } from "../support/logger.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { type FakeWebhook, reply, startFakeWebhook } from "../support/webhook-server.js";

let server: EmbeddedStore;
const webhooks: FakeWebhook[] = [];
const logs = capturingLogger();

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await Promise.all(webhooks.splice(0).map((w) => w.close()));
});
afterAll(async () => {
  await server.close();
  // Every line logged across this file, by every component: the token is never in one.
  const text = JSON.stringify(logs.lines());
  expect(text.length).toBeGreaterThan(100);
  for (const token of tokens) expect(text).not.toContain(token);
});

const tokens: string[] = [];
async function fakeWebhook(...args: Parameters<typeof startFakeWebhook>): Promise<FakeWebhook> {
  const webhook = await startFakeWebhook(...args);
  webhooks.push(webhook);
  tokens.push(webhook.token);
  return webhook;
}

/** A notifier on a real table and a real webhook server, on a fake clock that sleeps instantly. */
function notifierFor(
  t: TestTable,
  url: string | undefined,
  extraEnv: Record<string, string> = {},
  maxSendMs?: number,
) {
  const { config } = parseConfig({ ...(url ? { AMPA_DISCORD_WEBHOOK: url } : {}), ...extraEnv });
  const clock = { now: Date.parse("2026-11-23T12:00:00Z") };
  const waits: number[] = [];
  const notifier = new Notifier({
    store: t.store,
    webhook: webhookSource(config, { useSsm: false }),
    deliver: deliverToWebhook,
    config,
    log: logs.log,
    clock: () => clock.now,
    sleep: async (ms) => {
      waits.push(ms);
      clock.now += ms;
    },
    ...(maxSendMs === undefined ? {} : { maxSendMs }),
  });
  // What sendHeartbeat takes: the same notifier, table and clock.
  const heartbeat = { notifier, store: t.store, clock: () => clock.now };
  return { notifier, clock, waits, config, heartbeat };
}

async function counter(
  store: Store,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await store.listMetrics()).find(
    (m) => m.name === name && JSON.stringify(m.labels) === JSON.stringify(labels),
  );
  return metric?.value ?? 0;
}

describe("notifier against a real webhook server", () => {
  it("two failures then success back off 2 s then 4 s", async () => {
    const t = await createTestTable(server.endpoint);
    const webhook = await fakeWebhook([reply.status(500), reply.status(502)]);
    const { notifier, waits } = notifierFor(t, webhook.url);
    expect(await notifier.send("command", "# Hi")).toMatchObject({ delivered: true, attempts: 3 });
    expect(waits).toEqual([2000, 4000]);
    expect(await t.store.listDeadLetters()).toEqual([]);
  });

  it("keeps a persistently failing message as a dead letter with the final status", async () => {
    const t = await createTestTable(server.endpoint);
    const webhook = await fakeWebhook([], reply.status(500));
    const { notifier } = notifierFor(t, webhook.url, { AMPA_MAX_RETRIES: "3" });
    const result = await notifier.send("command", "# Lost?\n\nnot lost");
    expect(result).toMatchObject({ delivered: false, attempts: 4 });
    expect(webhook.requests).toHaveLength(4);
    const [letter] = await t.store.listDeadLetters();
    expect(letter).toMatchObject({ kind: "command", content: "# Lost?\n\nnot lost", attempts: 4 });
    expect(letter?.reason).toContain("500");
    expect(
      await counter(t.store, "ampa_discord_messages_total", {
        kind: "command",
        outcome: "dead_letter",
      }),
    ).toBe(1);
    const error = logs
      .lines()
      .find((l) => l.msg === "Discord message not delivered: kept as a dead letter");
    expect(error).toMatchObject({ level: 50, payload: "# Lost?\n\nnot lost" });
  });

  it("gives up within the send budget of an interactive caller and keeps the message", async () => {
    const t = await createTestTable(server.endpoint);
    const webhook = await fakeWebhook([], reply.status(500));
    const { notifier, waits } = notifierFor(t, webhook.url, {}, 5_000);
    const result = await notifier.send("command", "# Later");
    expect(result).toMatchObject({ delivered: false, attempts: 2 });
    expect(waits).toEqual([2000]);
    expect(result.reason).toContain("out of time");
    expect(await t.store.countDeadLetters()).toBe(1);
  });

  it("posts a command's result with its output, no machine fields, and mentions disabled", async () => {
    const t = await createTestTable(server.endpoint);
    const webhook = await fakeWebhook();
    const { notifier, config } = notifierFor(t, webhook.url);
    await t.store.addCommand(
      spec("wl-stats", { command: "echo '@everyone 4 open items'", title: "Stats" }),
      Date.now(),
    );
    const { command, claim } = await claimStored(t, "wl-stats", { owner: "t", config });
    await executeClaim(
      {
        store: t.store,
        runners: createRunners(processes),
        config,
        log: logs.log,
        clock: Date.now,
        notifier,
        summarize: async () => undefined,
      },
      command,
      claim,
    );
    expect(webhook.requests).toHaveLength(1);
    const body = JSON.parse(webhook.requests[0]?.body ?? "{}");
    expect(body).toEqual({
      content: "# Stats\n\n@everyone 4 open items",
      allowed_mentions: { parse: [] },
    });
    expect(body.content).not.toMatch(/command_id:|exit_code:/);
    expect(
      await counter(t.store, "ampa_command_runs_total", {
        command: "wl-stats",
        outcome: "success",
      }),
    ).toBe(1);
  });

  it("gives delegation and triage-audit runs no generic post unless their runner crashed", async () => {
    const t = await createTestTable(server.endpoint);
    const webhook = await fakeWebhook();
    const { notifier, config } = notifierFor(t, webhook.url);
    const runners = createRunners(processes);
    runners.delegation = async () => ({
      exitCode: 0,
      output: "report",
      outputTruncatedBytes: 0,
      outcome: "success",
    });
    runners["triage-audit"] = async () => {
      throw new Error("table unavailable");
    };
    for (const [id, type] of [
      ["deleg", "delegation"],
      ["audit", "triage-audit"],
    ] as const) {
      await t.store.addCommand(spec(id, { type, title: id }), Date.now());
      const { command, claim } = await claimStored(t, id, {
        owner: "t",
        trigger: "run-once",
        config,
      });
      await executeClaim(
        { store: t.store, runners, config, log: logs.log, clock: Date.now, notifier },
        command,
        claim,
      );
    }
    expect(webhook.requests.map((r) => JSON.parse(r.body).content)).toEqual([
      "# audit\n\nRunner error: table unavailable\n\n_The command could not be run._",
    ]);
  });

  it("redrive delivers every dead letter exactly once, even with two redrives at once", async () => {
    const t = await createTestTable(server.endpoint);
    const down = await fakeWebhook([], reply.status(503));
    const failing = notifierFor(t, down.url, { AMPA_MAX_RETRIES: "0" });
    for (let i = 0; i < 12; i++) await failing.notifier.send("command", `# Message ${i}`);
    expect(await t.store.countDeadLetters()).toBe(12);

    const up = await fakeWebhook();
    const a = notifierFor(t, up.url);
    const b = notifierFor(t, up.url);
    const [ra, rb] = await Promise.all([a.notifier.redrive(), b.notifier.redrive()]);
    expect(ra.delivered + rb.delivered).toBe(12);
    expect(ra.failed + rb.failed).toBe(0);
    const delivered = up.requests.map((r) => JSON.parse(r.body).content).sort();
    expect(delivered).toEqual(Array.from({ length: 12 }, (_, i) => `# Message ${i}`).sort());
    expect(await t.store.countDeadLetters()).toBe(0);
    expect(
      await counter(t.store, "ampa_discord_messages_total", {
        kind: "command",
        outcome: "redriven",
      }),
    ).toBe(12);
  });

  it("a redrive gives up on a letter before its claim on it expires", async () => {
    const t = await createTestTable(server.endpoint);
    const down = await fakeWebhook([], reply.status(503));
    const { notifier, waits } = notifierFor(t, down.url, { AMPA_MAX_RETRIES: "0" });
    await notifier.send("command", "# Slow");
    // The default policy (10 retries from 2 s) would take 34 minutes; the claim lasts 5.
    const redriver = notifierFor(t, down.url);
    expect(await redriver.notifier.redrive()).toMatchObject({ delivered: 0, failed: 1 });
    expect(waits).toEqual([]);
    expect(redriver.waits).toEqual([2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000]);
    const [letter] = await t.store.listDeadLetters();
    expect(letter).toMatchObject({ redriveAttempts: 1 });
    expect(letter?.reason).toContain("out of time");
  });

  it("a failed redrive keeps the letter for the next one", async () => {
    const t = await createTestTable(server.endpoint);
    const down = await fakeWebhook([], reply.status(503));
    const { notifier } = notifierFor(t, down.url, { AMPA_MAX_RETRIES: "0" });
    await notifier.send("heartbeat", "# AMPA Heartbeat");
    expect(await notifier.redrive()).toMatchObject({ total: 1, delivered: 0, failed: 1 });
    expect(await t.store.listDeadLetters()).toMatchObject([{ redriveAttempts: 1 }]);
  });
});

describe("heartbeat", () => {
  it("is sent when there is no notification state", async () => {
    const t = await createTestTable(server.endpoint);
    const webhook = await fakeWebhook();
    const { heartbeat, clock } = notifierFor(t, webhook.url);
    const result = await sendHeartbeat(heartbeat, { force: false });
    expect(result).toMatchObject({ exitCode: 0, outcome: "success" });
    expect(JSON.parse(webhook.requests[0]?.body ?? "{}").content).toBe("# AMPA Heartbeat");
    expect(await counter(t.store, "ampa_heartbeat_sent_total")).toBe(1);
    expect((await t.store.getNotifyState()).lastHeartbeatAt).toBe(clock.now);
  });

  it("is skipped when another message went out 30 s ago, and sent when 6 minutes ago", async () => {
    const t = await createTestTable(server.endpoint);
    const webhook = await fakeWebhook();
    const { heartbeat: deps, clock } = notifierFor(t, webhook.url);
    await t.store.recordMessageSent("command", clock.now - 30_000, true);
    const skipped = await sendHeartbeat(deps, { force: false });
    expect(skipped).toMatchObject({
      exitCode: 0,
      output: "Heartbeat skipped: a message went out 30 s ago.",
    });
    expect(webhook.requests).toHaveLength(0);
    await t.store.recordMessageSent("command", clock.now - 6 * 60_000, true);
    expect(6 * 60_000).toBeGreaterThan(HEARTBEAT_QUIET_MS);
    expect(await sendHeartbeat(deps, { force: false })).toMatchObject({
      output: "Heartbeat sent.",
    });
    expect(webhook.requests).toHaveLength(1);
  });

  it("fails with exit code 2 and counts a failure when no webhook resolves", async () => {
    const t = await createTestTable(server.endpoint);
    const { heartbeat } = notifierFor(t, undefined);
    const result = await sendHeartbeat(heartbeat, { force: true });
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain("No Discord webhook configured");
    expect(await counter(t.store, "ampa_heartbeat_failure_total")).toBe(1);
  });
});

describe("metrics", () => {
  it("exposes the seed's three metrics and agrees across two containers", async () => {
    const t = await createTestTable(server.endpoint);
    const webhook = await fakeWebhook();
    const { heartbeat, clock } = notifierFor(t, webhook.url);
    await sendHeartbeat(heartbeat, { force: true });
    await t.store.incrementCounter("ampa_scheduler_ticks_total");
    // Another "container": its own client, the same table.
    const otherContainer = createStore(
      createDocumentClient(
        createDynamoClient({ region: "us-east-1", endpoint: server.endpoint, key: server.key }),
      ),
      t.store.options,
    );
    const scrape = async (store: Store) => {
      const { commands, corrupt } = await store.listCommands();
      return renderMetrics({
        commands,
        runtimeOf: commandRuntime,
        corruptItems: corrupt.length,
        stored: await store.listMetrics(),
        notify: await store.getNotifyState(),
        deadLetters: await store.countDeadLetters(),
        now: 0,
      });
    };
    const first = await scrape(t.store);
    const second = await scrape(otherContainer);
    expect(second.body).toBe(first.body);
    expect(first.contentType).toContain("text/plain; version=0.0.4");
    expect(first.body).toContain("ampa_heartbeat_sent_total 1");
    expect(first.body).toContain("ampa_heartbeat_failure_total 0");
    expect(first.body).toContain(`ampa_last_heartbeat_timestamp_seconds ${clock.now / 1000}`);
    expect(first.body).toContain("ampa_scheduler_ticks_total 1");
    expect(first.body).toContain('ampa_discord_messages_total{kind="heartbeat",outcome="sent"} 1');
    expect(first.body).toContain("ampa_deadletters 0");
    scanForCanary("metrics", first.body);
  });
});
