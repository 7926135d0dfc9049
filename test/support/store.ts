import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Config, parseConfig } from "../../src/lib/config.js";
import { type EmbeddedStore, startEmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { createDocumentClient, createDynamoClient } from "../../src/lib/store/client.js";
import { Store } from "../../src/lib/store/store.js";
import { startDynamoDbLocal } from "./dynamodb-local.js";
import { ensureTable } from "../../src/lib/store/table.js";

/**
 * A real DynamoDB-compatible server on loopback (in memory), started once per test file:
 * dynalite by default, the official DynamoDB Local with AMPA_TEST_STORE=dynamodb-local
 * (conformance runs; .ci/run does both).
 */
export async function startTestServer(): Promise<EmbeddedStore> {
  if (process.env.AMPA_TEST_STORE === "dynamodb-local") return startDynamoDbLocal();
  return startEmbeddedStore();
}

export interface TestTable {
  tableName: string;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  store: Store;
  config: Config;
}

/** A fresh table on the server, so tests in one file do not see each other's items. */
export async function createTestTable(
  endpoint: string,
  env: Record<string, string> = {},
): Promise<TestTable> {
  const tableName = `ampa-test-${randomUUID().slice(0, 8)}`;
  const { config } = parseConfig({
    AMPA_TABLE_NAME: tableName,
    AMPA_DYNAMODB_ENDPOINT: endpoint,
    ...env,
  });
  const dynamo = createDynamoClient({ region: config.region, endpoint });
  await ensureTable(dynamo, tableName);
  const doc = createDocumentClient(dynamo);
  return {
    tableName,
    dynamo,
    doc,
    config,
    store: new Store(doc, { tableName, maxRunHistory: config.maxRunHistory }),
  };
}
