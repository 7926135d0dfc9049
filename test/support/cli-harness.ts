import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { createTestTable, startTestServer, type TestTable } from "./store.js";
import { type FakeWebhook, startFakeWebhook } from "./webhook-server.js";

export interface CliHarness {
  /** This test's own table. */
  readonly t: TestTable;
  /** This test's fake Discord webhook. */
  readonly webhook: FakeWebhook;
  /**
   * The `ampa` CLI's environment for this test's table and webhook. A file's own
   * `beforeEach` (registered after the harness) may add to it.
   */
  readonly env: Record<string, string>;
  /** The content of each message posted to this test's webhook, in order. */
  posts(): string[];
}

interface PerTest {
  t: TestTable;
  webhook: FakeWebhook;
  env: Record<string, string>;
}

/**
 * For files that run the real `ampa` CLI: one store server for the file and, for each
 * test, a fresh table (claims and cooldowns of one test must not reach another), a fake
 * webhook and the CLI's environment for both. Call it once at the top of the file.
 */
export function cliHarness(): CliHarness {
  let server: EmbeddedStore | undefined;
  let current: PerTest | undefined;
  const now = (): PerTest => {
    if (!current) throw new Error("cliHarness: its fields exist only while a test runs");
    return current;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    if (!server) throw new Error("cliHarness: the store server did not start");
    const webhook = await startFakeWebhook();
    const t = await createTestTable(server.endpoint);
    const env = {
      AMPA_DYNAMODB_ENDPOINT: server.endpoint,
      AMPA_TABLE_NAME: t.tableName,
      AMPA_DISCORD_WEBHOOK: webhook.url,
    };
    current = { t, webhook, env };
  });
  afterEach(async () => {
    await current?.webhook.close();
    current = undefined;
  });

  return {
    get t() {
      return now().t;
    },
    get webhook() {
      return now().webhook;
    },
    get env() {
      return now().env;
    },
    posts: () => now().webhook.requests.map((r) => JSON.parse(r.body).content as string),
  };
}
