import { createServer, type Server, type Socket, connect } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore, type Store } from "../../src/lib/adapters/dynamodb/store.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { must } from "../support/commands.js";
import { startTestServer, type TestTable } from "../support/store.js";

/**
 * A TCP proxy in front of the store that can be cut: it counts DynamoDB requests (one
 * `x-amz-target` header each) and, when armed, drops every connection and stops listening
 * as the n-th request arrives, before forwarding it, so that request and everything after
 * it fail the way an unreachable store fails (reset, then connection refused). Each
 * request's Host header is rewritten to the store's own: the store refuses a foreign one.
 */
export interface StoreProxy {
  endpoint: string;
  /** Requests seen since start. */
  requests(): number;
  /** Bytes the store has answered since start (headers included). */
  bytesFromStore(): number;
  /** Cut when the request numbered `requests() + n` arrives (n ≥ 1). */
  cutAtNext(n: number): void;
  /** Listen again on the same port. */
  restore(): Promise<void>;
  isCut(): boolean;
  close(): Promise<void>;
}

const TARGET_HEADER = /x-amz-target:/gi;

export async function startStoreProxy(upstream: string): Promise<StoreProxy> {
  const { hostname, port: upstreamPort } = new URL(upstream);
  const sockets = new Set<Socket>();
  let seen = 0;
  let answered = 0;
  let cutAt = Number.POSITIVE_INFINITY;
  let cut = false;
  let ownHost = /$^/;
  let upstreamHost = "";

  const server: Server = createServer((client) => {
    const remote = connect(Number(upstreamPort), hostname);
    for (const s of [client, remote]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.on("data", (chunk: Buffer) => {
      seen += chunk.toString("latin1").match(TARGET_HEADER)?.length ?? 0;
      if (seen >= cutAt) {
        cutNow();
        return;
      }
      remote.write(Buffer.from(chunk.toString("latin1").replace(ownHost, upstreamHost), "latin1"));
    });
    remote.on("data", (chunk: Buffer) => {
      answered += chunk.length;
      client.write(chunk);
    });
    client.on("close", () => remote.destroy());
    remote.on("close", () => client.destroy());
  });

  function cutNow(): void {
    cut = true;
    cutAt = Number.POSITIVE_INFINITY;
    server.close();
    for (const s of sockets) s.resetAndDestroy();
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  ownHost = new RegExp(`\r\nhost: ${hostname.replaceAll(".", "\\.")}:${port}\r\n`, "gi");
  upstreamHost = `\r\nhost: ${hostname}:${upstreamPort}\r\n`;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => seen,
    bytesFromStore: () => answered,
    cutAtNext: (n) => {
      cutAt = seen + n;
    },
    isCut: () => cut,
    restore: () =>
      new Promise<void>((resolve, reject) => {
        cut = false;
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

export interface StoreBehindProxy {
  /** The store server (one for the file). */
  readonly server: EmbeddedStore;
  /** The cuttable proxy in front of it. */
  readonly proxy: StoreProxy;
  /** A store on `t`'s table that talks through the proxy. */
  viaProxy(t: TestTable): Store;
}

/**
 * One store server for the file and a proxy in front of it (vitest hooks registered
 * here: call once at the top of a file). Tests set up through the server and cut the
 * proxy to fail what goes through it.
 */
export function storeBehindProxy(): StoreBehindProxy {
  let server: EmbeddedStore | undefined;
  let proxy: StoreProxy | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startStoreProxy(server.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });
  const fixture: StoreBehindProxy = {
    get server() {
      return must(server, "the store server");
    },
    get proxy() {
      return must(proxy, "the store proxy");
    },
    viaProxy: (t) =>
      createStore(
        createDocumentClient(
          createDynamoClient({
            region: "us-east-1",
            endpoint: fixture.proxy.endpoint,
            key: fixture.server.key,
          }),
        ),
        { tableName: t.tableName, maxRunHistory: t.config.maxRunHistory },
      ),
  };
  return fixture;
}
