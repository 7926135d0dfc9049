import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CANARY_TOKEN, scanForCanary } from "./canary.js";

/** What the fake webhook does with one request. */
export type Reply =
  | { kind: "answer"; status: number; body?: string; headers?: Record<string, string> }
  /** Read the request, never answer. */
  | { kind: "hang" }
  /** Send the status line, headers and part of a body, then stall. */
  | { kind: "stall"; status: number }
  /** Drop the connection with a TCP reset: the client sees ECONNRESET. */
  | { kind: "reset" }
  /** Close the connection without answering: the client sees "other side closed". */
  | { kind: "close" };

export const reply = {
  noContent: { kind: "answer", status: 204 } as Reply,
  status: (status: number, body?: string): Reply => ({ kind: "answer", status, body }),
  /** A 429 with Discord's JSON `retry_after` and/or a `Retry-After` header (both seconds). */
  rateLimited: (wait: { bodySeconds?: number; header?: string }): Reply => ({
    kind: "answer",
    status: 429,
    body:
      wait.bodySeconds === undefined
        ? "{}"
        : JSON.stringify({ message: "You are being rate limited.", retry_after: wait.bodySeconds }),
    headers: {
      "content-type": "application/json",
      ...(wait.header !== undefined && { "retry-after": wait.header }),
    },
  }),
  hang: { kind: "hang" } as Reply,
  reset: { kind: "reset" } as Reply,
  close: { kind: "close" } as Reply,
};

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the n-th request (0-based) gets: a fixed list, or a function of the request. */
export type Script = Reply[] | ((index: number, request: RecordedRequest) => Reply);

export interface FakeWebhookOptions {
  /** Requests past this many get a 503 and are not recorded (default 1000). */
  maxRequests?: number;
}

export interface FakeWebhook {
  /** `http://127.0.0.1:<port>/api/webhooks/<id>/<token>` */
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** The reply each recorded request got, by the same index as `requests`. */
  replies: Reply[];
  /** Connections the server holds open now (kept-alive ones included). */
  openConnections(): Promise<number>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REQUESTS = 1000;

/**
 * A fake Discord webhook on loopback. The n-th request gets `script[n]` (or
 * `script(n, request)`), and every request after a list script gets `then`. Each request
 * is recorded with its reply. Bodies over 1 MB and requests past `maxRequests` (1000) get
 * a 413 or a 503, so a runaway client cannot grow it without bound.
 */
export async function startFakeWebhook(
  script: Script = [],
  then: Reply = reply.noContent,
  { maxRequests = MAX_REQUESTS }: FakeWebhookOptions = {},
): Promise<FakeWebhook> {
  const requests: RecordedRequest[] = [];
  const replies: Reply[] = [];
  const token = CANARY_TOKEN;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES || requests.length >= maxRequests) {
        res.writeHead(size > MAX_BODY_BYTES ? 413 : 503).end();
        return;
      }
      const request: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const step =
        typeof script === "function"
          ? script(requests.length, request)
          : (script[requests.length] ?? then);
      // The token belongs in the URL; in a message it would be on Discord for all to see.
      scanForCanary("webhook message body", request.body);
      requests.push(request);
      replies.push(step);
      switch (step.kind) {
        case "answer":
          res.writeHead(step.status, step.headers).end(step.body);
          return;
        case "hang":
          return;
        case "stall":
          res.writeHead(step.status, { "content-type": "application/json" }).write('{"id":');
          return;
        case "reset":
          req.socket.resetAndDestroy();
          return;
        case "close":
          req.socket.destroy();
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/123456789012345678/${token}`,
    token,
    requests,
    replies,
    openConnections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
      ),
    close: () => closeServer(server),
  };
}

/** A loopback URL where nothing listens (the port was just released). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return `http://127.0.0.1:${port}/api/webhooks/1/${CANARY_TOKEN}`;
}

function closeServer(server: Server): Promise<void> {
  // Hanging and kept-alive connections would otherwise hold close() open.
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
