import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { type Config, parseConfig } from "../../src/lib/runtime/config.js";
import { type EmbeddedStore, startEmbeddedStore } from "../../src/lib/local/embedded-store.js";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore, type Store } from "../../src/lib/adapters/dynamodb/store.js";
import { startDynamoDbLocal } from "./dynamodb-local.js";
import { TEST_STORE_KEY } from "./store-key.js";
import { ensureTable } from "../../src/lib/adapters/dynamodb/table.js";
import { scanAfterEachTest, scanForCanary } from "./canary.js";

/**
 * A real DynamoDB-compatible server on loopback (in memory): dynalite by default, started
 * once per test file; with AMPA_TEST_STORE=dynamodb-local (conformance runs; .ci/run does
 * both) the official DynamoDB Local, one per run. Dynalite sits behind the local store's key
 * check, with this test process's key (store-key.ts), which children inherit.
 */
export async function startTestServer(): Promise<EmbeddedStore> {
  if (process.env.AMPA_TEST_STORE === "dynamodb-local") {
    // The run's one DynamoDB Local (dynamodb-local-global.ts), when the config started it.
    const endpoint = inject("dynamodbLocalEndpoint");
    if (!endpoint) return startDynamoDbLocal();
    return { endpoint, key: TEST_STORE_KEY, close: async () => {} };
  }
  return startEmbeddedStore({ key: TEST_STORE_KEY });
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
    AMPA_DYNAMODB_KEY: TEST_STORE_KEY,
    ...env,
  });
  const dynamo = createDynamoClient({ region: config.region, endpoint, key: config.dynamodbKey });
  await ensureTable(dynamo, tableName);
  const doc = createDocumentClient(dynamo);
  tables.push({ doc, tableName });
  scanAfterEachTest(scanRegisteredTables);
  return {
    tableName,
    dynamo,
    doc,
    config,
    store: createStore(doc, { tableName, maxRunHistory: config.maxRunHistory }),
  };
}

const tables: { doc: DynamoDBDocumentClient; tableName: string }[] = [];

/**
 * Scans every item of every table created in this test file for the canary token (see
 * secret-scan.ts). A table whose server has gone (a test stopped it) is dropped.
 */
export async function scanRegisteredTables(): Promise<void> {
  for (const table of [...tables]) {
    try {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await table.doc.send(
          new ScanCommand({ TableName: table.tableName, ExclusiveStartKey: startKey }),
        );
        for (const item of page.Items ?? [])
          scanForCanary(`table ${table.tableName}`, JSON.stringify(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch {
      tables.splice(tables.indexOf(table), 1);
    }
  }
}
