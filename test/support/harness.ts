import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { must } from "./commands.js";
import { createTestTable, startTestServer, type TestTable } from "./store.js";
import { TEST_STORE_KEY } from "./store-key.js";
import { type FakeWebhook, startFakeWebhook } from "./webhook-server.js";

/*
 * Fixtures that register their own vitest hooks: call one once at the top of a test file.
 * Their fields exist only while a test runs (a fresh set for each test); read outside one,
 * they throw.
 */

export interface TablePerTest {
  /** The store server's endpoint (one server for the whole file). */
  readonly endpoint: string;
  /** This test's own table: claims and cooldowns of one test never reach another. */
  readonly t: TestTable;
  /** The store on this test's table (`t.store`). */
  readonly store: Store;
}

export interface CliHarness extends TablePerTest {
  /** This test's fake Discord webhook. */
  readonly webhook: FakeWebhook;
  /**
   * The `ampa` CLI's environment for this test's table and webhook. A file's own
   * `beforeEach` (registered after the harness, so it runs later) may add to it.
   */
  readonly env: Record<string, string>;
  /** The content of each message posted to this test's webhook, in order. */
  posts(): string[];
}

/** One store server for the file and a fresh table for each test. */
export function tablePerTest(): TablePerTest {
  let server: EmbeddedStore | undefined;
  let table: TestTable | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    table = await createTestTable(must(server, "the store server").endpoint);
  });
  afterEach(() => {
    table = undefined;
  });
  return {
    get endpoint() {
      return must(server, "the store server").endpoint;
    },
    get t() {
      return must(table, "this test's table");
    },
    get store() {
      return must(table, "this test's table").store;
    },
  };
}

/**
 * For files that run the real `ampa` CLI: `tablePerTest()`, and for each test a fake
 * webhook and the CLI's environment for that table and webhook.
 */
export function cliHarness(): CliHarness {
  const table = tablePerTest();
  let current: { webhook: FakeWebhook; env: Record<string, string> } | undefined;
  beforeEach(async () => {
    const webhook = await startFakeWebhook();
    const env = {
      AMPA_DYNAMODB_ENDPOINT: table.endpoint,
      AMPA_DYNAMODB_KEY: TEST_STORE_KEY,
      AMPA_TABLE_NAME: table.t.tableName,
      AMPA_DISCORD_WEBHOOK: webhook.url,
    };
    current = { webhook, env };
  });
  afterEach(async () => {
    await current?.webhook.close();
    current = undefined;
  });
  const now = () => must(current, "this test's webhook");
  return {
    get endpoint() {
      return table.endpoint;
    },
    get t() {
      return table.t;
    },
    get store() {
      return table.store;
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
