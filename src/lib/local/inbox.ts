import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DISCORD_CONTENT_LIMIT } from "../adapters/discord.js";

/** A Discord-compatible webhook on loopback that prints what it receives. */
export interface Inbox {
  /** A webhook URL to POST to: `http://127.0.0.1:<port>/api/webhooks/0/local-inbox`. */
  url: string;
  /** Messages received, oldest first (the latest MAX_KEPT_MESSAGES). */
  messages: { receivedAt: number; content: string }[];
  close(): Promise<void>;
}

/** Bodies above this get a 413; Discord's own limit for a message is far below it. */
export const MAX_INBOX_BODY_BYTES = 64 * 1024;
const MAX_KEPT_MESSAGES = 1000;
const WEBHOOK_PATH = /^\/api\/(?:v\d+\/)?webhooks\/[^/]+\/[^/]+\/?$/;

/**
 * Starts the local inbox on 127.0.0.1 (`port` 0 or omitted: any free port). It answers a
 * POST of `{content}` to `/api/webhooks/<id>/<token>` with 204, keeps the message and
 * prints it; invalid messages get Discord's 400 answers, so a message Discord would reject
 * is rejected here too.
 */
export async function startInbox(opts: {
  port?: number;
  print?: (content: string) => void;
}): Promise<Inbox> {
  const print = opts.print ?? printFramed;
  const messages: Inbox["messages"] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (req.method !== "POST" || !WEBHOOK_PATH.test(path)) {
      req.resume();
      return sendJson(res, 404, { message: "404: Not Found", code: 0 });
    }
    readBody(req, MAX_INBOX_BODY_BYTES).then(
      (body) => {
        if (body === undefined) {
          return sendJson(res, 413, { message: "Request entity too large", code: 40005 }, true);
        }
        const checked = checkMessage(body);
        if (typeof checked !== "string") return sendJson(res, 400, checked);
        messages.push({ receivedAt: Date.now(), content: checked });
        if (messages.length > MAX_KEPT_MESSAGES) messages.shift();
        print(checked);
        res.writeHead(204).end();
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/0/local-inbox`,
    messages,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

/** The message's content, or Discord's error body for why it would be rejected. */
function checkMessage(body: Buffer): string | { message: string; code: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return { message: "The request body contains invalid JSON.", code: 50109 };
  }
  const content = (parsed as { content?: unknown } | null)?.content;
  if (typeof content !== "string" || content === "") {
    return { message: "Cannot send an empty message", code: 50006 };
  }
  if ([...content].length > DISCORD_CONTENT_LIMIT) {
    const message = `Invalid Form Body: content must be ${DISCORD_CONTENT_LIMIT} or fewer in length.`;
    return { message, code: 50035 };
  }
  return content;
}

/** The body, or undefined once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.pause();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: object, closeAfter = false): void {
  res.writeHead(status, {
    "content-type": "application/json",
    // An unread body would otherwise be parsed as the next request on this connection.
    ...(closeAfter && { connection: "close" }),
  });
  res.end(JSON.stringify(body));
}

function printFramed(content: string): void {
  process.stdout.write(`──── Discord message ────\n${content}\n─────────────────────────\n`);
}
