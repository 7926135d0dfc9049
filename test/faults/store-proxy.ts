import { createServer, type Server, type Socket, connect } from "node:net";
import type { AddressInfo } from "node:net";

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
