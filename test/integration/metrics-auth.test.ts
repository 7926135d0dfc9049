// SSM has no local server: its client is mocked here (aws-sdk-client-mock); the store is a
// real dynalite on loopback.
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { bearerMatches } from "../../src/handlers/metrics.js";
import { redactSecrets } from "../../src/lib/core/secrets.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { createApp } from "../../src/lib/runtime/app.js";
import { createTestTable, startTestServer } from "../support/store.js";

const ssm = mockClient(SSMClient);
const TOKEN = "metrics-token-0123456789abcdef";
let server: EmbeddedStore;

beforeAll(async () => {
  server = await startTestServer();
  const t = await createTestTable(server.endpoint);
  // The handler builds its App from the environment, as on Lambda (where the token may
  // come from SSM); no cache, so each request reads the (mocked) parameter again.
  Object.assign(process.env, {
    AWS_LAMBDA_FUNCTION_NAME: "ampa-test-metrics",
    AMPA_STAGE: "test",
    AMPA_DYNAMODB_ENDPOINT: server.endpoint,
    AMPA_TABLE_NAME: t.tableName,
    AMPA_WEBHOOK_CACHE_SECONDS: "0",
    AMPA_LOG_LEVEL: "silent",
  });
});
afterEach(() => {
  ssm.reset();
  delete process.env.AMPA_METRICS_PUBLIC;
});
afterAll(async () => {
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  await server.close();
});

const notFound = () =>
  ssm
    .on(GetParameterCommand)
    .rejects(new ParameterNotFound({ message: "not found", $metadata: {} }));

const get = async (headers?: Record<string, string>) => {
  const { handler } = await import("../../src/handlers/metrics.js");
  return handler({ headers: headers ?? {} });
};

describe("GET /metrics with /ampa/<stage>/metrics-token in SSM", () => {
  it("refuses a request without the bearer token, and answers one with it", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: TOKEN } });
    expect(await get()).toMatchObject({ statusCode: 401, body: "unauthorized\n" });
    expect(await get({ authorization: "Bearer wrong-token" })).toMatchObject({ statusCode: 401 });
    const ok = await get({ authorization: `Bearer ${TOKEN}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain("# TYPE");
    expect(ssm.call(0).args[0].input).toEqual({
      Name: "/ampa/test/metrics-token",
      WithDecryption: true,
    });
    // The token is a registered secret: redacted from any log line that would carry it.
    expect(redactSecrets(`Authorization: Bearer ${TOKEN}`)).not.toContain(TOKEN);
  });

  it("fails closed (503) on AWS when the parameter does not exist", async () => {
    notFound();
    expect(await get()).toMatchObject({
      statusCode: 503,
      body: "authorization not configured\n",
    });
    // It did look: the refusal is about the missing parameter, not an unread one.
    expect(ssm.calls()).toHaveLength(1);
  });

  it("answers anyone without the parameter only when deployed with metricsPublic: true", async () => {
    notFound();
    for (const value of ["", "false", "0", "yes please"]) {
      process.env.AMPA_METRICS_PUBLIC = value;
      expect((await get()).statusCode, `AMPA_METRICS_PUBLIC=${value}`).toBe(503);
    }
    process.env.AMPA_METRICS_PUBLIC = "true";
    const open = await get();
    expect(open.statusCode).toBe(200);
    expect(open.body).toContain("# TYPE");
  });

  it("still requires the token when metricsPublic is true but the parameter exists", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: TOKEN } });
    process.env.AMPA_METRICS_PUBLIC = "true";
    expect((await get()).statusCode).toBe(401);
  });

  it("fails closed (503) when SSM cannot be read", async () => {
    ssm.on(GetParameterCommand).rejects(new Error("throttled"));
    expect(await get({ authorization: `Bearer ${TOKEN}` })).toMatchObject({ statusCode: 503 });
  });
});

describe("GET /metrics locally", () => {
  it("stays open without a token under serverless-offline (npm start, loopback)", async () => {
    // serverless-offline sets IS_OFFLINE beside the function name: not AWS, so no SSM.
    process.env.IS_OFFLINE = "true";
    vi.resetModules();
    try {
      const res = await get();
      expect(res.statusCode).toBe(200);
      expect(ssm.calls()).toHaveLength(0);
    } finally {
      delete process.env.IS_OFFLINE;
      vi.resetModules();
    }
  });
});

describe("the metrics token", () => {
  it("comes from AMPA_METRICS_TOKEN locally, without asking SSM", async () => {
    const app = createApp({
      env: { AMPA_METRICS_TOKEN: TOKEN, AMPA_LOAD_DOTENV: "0" },
      useSsm: false,
      logDestination: "stderr",
    });
    expect(await app.metricsToken()).toBe(TOKEN);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("matches only `Bearer <token>` exactly", () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(false);
    expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
  });
});
