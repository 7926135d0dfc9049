import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { scanForCanary } from "../support/canary.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { type FakeWebhook, startFakeWebhook } from "../support/webhook-server.js";

let server: EmbeddedStore;
let webhook: FakeWebhook;

beforeAll(async () => {
  server = await startTestServer();
  webhook = await startFakeWebhook();
  const t = await createTestTable(server.endpoint);
  // The handlers build their App from the environment on first use, as on Lambda.
  process.env.AMPA_DYNAMODB_ENDPOINT = server.endpoint;
  process.env.AMPA_TABLE_NAME = t.tableName;
  process.env.AMPA_DISCORD_WEBHOOK = webhook.url;
});
afterAll(async () => {
  await webhook.close();
  await server.close();
});

describe("with a webhook configured", () => {
  it("GET /health answers 200 OK with the AMPA header", async () => {
    const { handler } = await import("../../src/handlers/health.js");
    const res = await handler();
    expect(res).toMatchObject({ statusCode: 200, body: "OK" });
    expect(res.headers?.["x-ampa-service"]).toBe("health");
  });

  it("the heartbeat function sends one heartbeat now, and /metrics counts it", async () => {
    const { handler } = await import("../../src/handlers/heartbeat.js");
    const context = { awsRequestId: "r1", getRemainingTimeInMillis: () => 60_000 } as never;
    expect(await handler({}, context)).toEqual({
      sent: true,
      exitCode: 0,
      message: "Heartbeat sent.",
    });
    expect(JSON.parse(webhook.requests[0]?.body ?? "{}").content).toBe("# AMPA Heartbeat");
    const metrics = await (await import("../../src/handlers/metrics.js")).handler();
    expect(metrics.body).toContain("ampa_heartbeat_sent_total 1");
    scanForCanary("metrics", metrics.body ?? "");
  });
});
