import type { Context } from "aws-lambda";
import { afterAll, beforeAll } from "vitest";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { must } from "./commands.js";
import { createTestTable, startTestServer, type TestTable } from "./store.js";

// For tests that call the Lambda handlers in this process.

/** The part of a Lambda context the handlers read: a fresh request id, and time left. */
export function lambdaContext(remainingMs = 60_000): Context {
  return {
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    getRemainingTimeInMillis: () => remainingMs,
  } as Context;
}

/**
 * One store server and one table for the whole file, with this process's environment
 * pointing at them (plus `env`). The handlers build their App from the environment on
 * first use, as on Lambda, so every test in the file shares that table. Call it once at
 * the top of the file.
 */
export function handlerTable(env: Record<string, string> = {}): {
  readonly t: TestTable;
  readonly store: Store;
} {
  let server: EmbeddedStore | undefined;
  let table: TestTable | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    table = await createTestTable(server.endpoint);
    Object.assign(process.env, {
      AMPA_DYNAMODB_ENDPOINT: server.endpoint,
      AMPA_TABLE_NAME: table.tableName,
      ...env,
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get t() {
      return must(table, "the handlers' table");
    },
    get store() {
      return must(table, "the handlers' table").store;
    },
  };
}
