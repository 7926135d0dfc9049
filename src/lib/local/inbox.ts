import type { KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DISCORD_CONTENT_LIMIT } from "../adapters/discord.js";
import { buttonsOf, findButton, isLinkUrl, sendClick } from "./discord-local.js";
import { INBOX_PAGE, INBOX_SCRIPT } from "./inbox-page.js";

/** A post the inbox took: by webhook, by the application's bot, or an interaction's answer. */
export interface InboxMessage {
  /** A snowflake, as Discord gives its messages (a click names the message by it). */
  id: string;
  receivedAt: number;
  content: string;
  via: "webhook" | "bot" | "answer";
  /** Action rows of buttons (the bot's posts, and an application-owned webhook's). */
  components?: unknown[];
}

/** A Discord-compatible webhook and API on loopback that prints and shows what it receives. */
export interface Inbox {
  /** A webhook URL to POST to: `http://127.0.0.1:<port>/api/webhooks/0/local-inbox`. */
  url: string;
  /** Discord's REST API, as far as AMPA calls it (AMPA_DISCORD_API_URL): `…/api/v10`. */
  apiUrl: string;
  /** The page showing the posts, with their buttons: `http://127.0.0.1:<port>/`. */
  pageUrl: string;
  /** Messages received, oldest first (the latest MAX_KEPT_MESSAGES). */
  messages: InboxMessage[];
  close(): Promise<void>;
}

export interface InboxOptions {
  port?: number;
  print?: (message: InboxMessage) => void;
  /** The token the local bot posts with (`Authorization: Bot …`); without it any is taken. */
  botToken?: string;
  /** Where clicks go, signed with the local application's key (local/discord-local.ts). */
  clicks?: { interactionsUrl: string; privateKey: KeyObject };
}

/** Bodies above this get a 413; Discord's own limit for a message is far below it. */
export const MAX_INBOX_BODY_BYTES = 64 * 1024;
const MAX_KEPT_MESSAGES = 1000;
const WEBHOOK_PATH = /^\/api\/(?:v\d+\/)?webhooks\/[^/]+\/[^/]+\/?$/;
const CHANNEL_PATH = /^\/api\/(?:v\d+\/)?channels\/\d{1,20}\/messages\/?$/;
const ANSWER_PATH = /^\/api\/(?:v\d+\/)?webhooks\/\d{1,20}\/[^/]+\/messages\/@original$/;
type DiscordError = { message: string; code: number };

/**
 * Starts the local inbox on 127.0.0.1 (`port` 0 or omitted: any free port). It takes what
 * AMPA sends Discord — webhook posts (`POST /api/webhooks/<id>/<token>`, 204), the bot's
 * posts (`POST /api/v10/channels/<id>/messages`, answered with the message and its id) and
 * the edits of deferred answers — keeps and prints them, answers invalid ones as Discord
 * would (400), and shows them on a page (`GET /`) whose buttons click through `POST /click`.
 */
export async function startInbox(opts: InboxOptions): Promise<Inbox> {
  const print = opts.print ?? printFramed;
  const messages: InboxMessage[] = [];
  let port = 0;
  let sequence = 0;
  const keep = (m: Omit<InboxMessage, "id" | "receivedAt">): InboxMessage => {
    const receivedAt = Date.now();
    sequence = (sequence + 1) % 4096;
    const id = String((BigInt(receivedAt - 1_420_070_400_000) << 22n) + BigInt(sequence));
    const message = { id, receivedAt, ...m };
    messages.push(message);
    if (messages.length > MAX_KEPT_MESSAGES) messages.shift();
    print(message);
    return message;
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (req.method === "GET") return page(req, res, path, messages, port);
    if (req.method === "POST" && path === "/click") return click(req, res, opts, messages, port);
    const kind =
      req.method === "POST" && WEBHOOK_PATH.test(path)
        ? "webhook"
        : req.method === "POST" && CHANNEL_PATH.test(path)
          ? "bot"
          : req.method === "PATCH" && ANSWER_PATH.test(path)
            ? "answer"
            : undefined;
    if (!kind) {
      req.resume();
      return sendJson(res, 404, { message: "404: Not Found", code: 0 });
    }
    if (kind === "bot" && !authorized(req, opts.botToken)) {
      req.resume();
      return sendJson(res, 401, { message: "401: Unauthorized", code: 0 });
    }
    const body = await readBody(req, MAX_INBOX_BODY_BYTES);
    if (body === undefined)
      return sendJson(res, 413, { message: "Request entity too large", code: 40005 }, true);
    // An application-owned webhook shows components when asked (`?with_components=true`).
    const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
    const checked = checkMessage(body, kind === "bot" || query.get("with_components") === "true");
    if ("code" in checked) return sendJson(res, 400, checked);
    const message = keep({ via: kind, ...checked });
    if (kind === "webhook") return res.writeHead(204).end();
    return sendJson(res, 200, { ...message, channel_id: path.split("/").at(-2) });
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    route(req, res, path).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/api/webhooks/0/local-inbox`,
    apiUrl: `${origin}/api/v10`,
    pageUrl: `${origin}/`,
    messages,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  const header = req.headers.authorization ?? "";
  return token === undefined ? header.startsWith("Bot ") : header === `Bot ${token}`;
}

/** Only the page itself may click: the host must be loopback, an origin the page's own. */
function ownRequest(req: IncomingMessage, port: number): boolean {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const origin = req.headers.origin;
  return (
    hosts.includes(req.headers.host ?? "") &&
    (origin === undefined || hosts.some((h) => origin === `http://${h}`))
  );
}

function page(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  messages: readonly InboxMessage[],
  port: number,
): void {
  req.resume();
  if (!ownRequest(req, port)) return sendJson(res, 403, { message: "403: Forbidden", code: 0 });
  const headers = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    // The posts are untrusted text: shown with textContent only, and no script but ours.
    "content-security-policy":
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'",
  };
  if (path === "/") {
    res.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8" });
    return void res.end(INBOX_PAGE);
  }
  if (path === "/inbox.js") {
    res.writeHead(200, { ...headers, "content-type": "text/javascript; charset=utf-8" });
    return void res.end(INBOX_SCRIPT);
  }
  if (path === "/messages") return sendJson(res, 200, { messages });
  sendJson(res, 404, { message: "404: Not Found", code: 0 });
}

/** `POST /click {messageId, button, userId?}`: the button (label or 1-based index) clicked. */
async function click(
  req: IncomingMessage,
  res: ServerResponse,
  opts: InboxOptions,
  messages: readonly InboxMessage[],
  port: number,
): Promise<void> {
  // JSON only: a cross-site form cannot send it without the browser asking first.
  if (!ownRequest(req, port) || !/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
    req.resume();
    return sendJson(res, 403, { message: "403: Forbidden", code: 0 });
  }
  const body = await readBody(req, MAX_INBOX_BODY_BYTES);
  let asked: { messageId?: unknown; button?: unknown; userId?: unknown } = {};
  try {
    asked = JSON.parse(body?.toString("utf8") ?? "") as typeof asked;
  } catch {
    return sendJson(res, 400, { message: "not JSON" });
  }
  if (!opts.clicks)
    return sendJson(res, 503, { message: "clicks need the local application's key" });
  const message = messages.find((m) => m.id === asked.messageId);
  if (!message) return sendJson(res, 404, { message: "no such message" });
  const button = findButton(buttonsOf(message.components), String(asked.button ?? ""));
  if (!button) return sendJson(res, 404, { message: "no such button on the message" });
  // Discord opens a link button's URL itself: nothing is sent to the endpoint.
  if ("url" in button)
    return sendJson(res, 409, { message: "that button is a link, not a click", url: button.url });
  const answer = await sendClick({
    ...opts.clicks,
    messageId: message.id,
    customId: button.custom_id,
    ...(typeof asked.userId === "string" && /^\d{1,20}$/.test(asked.userId)
      ? { userId: asked.userId }
      : {}),
  });
  let parsed: unknown = answer.body;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    // A plain-text refusal (401, 503): kept as text.
  }
  sendJson(res, 200, { status: answer.status, answer: parsed });
}

/** The message's content (and, for the bot, its buttons), or Discord's error body. */
function checkMessage(
  body: Buffer,
  withComponents: boolean,
): Pick<InboxMessage, "content" | "components"> | DiscordError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return { message: "The request body contains invalid JSON.", code: 50109 };
  }
  const { content, components } = (parsed ?? {}) as { content?: unknown; components?: unknown };
  if (typeof content !== "string" || content === "") {
    return { message: "Cannot send an empty message", code: 50006 };
  }
  if ([...content].length > DISCORD_CONTENT_LIMIT) {
    const message = `Invalid Form Body: content must be ${DISCORD_CONTENT_LIMIT} or fewer in length.`;
    return { message, code: 50035 };
  }
  if (!withComponents || components === undefined) return { content };
  if (!validComponents(components))
    return { message: "Invalid Form Body: components", code: 50035 };
  return { content, components };
}

type PostedComponent = {
  type?: unknown;
  label?: unknown;
  style?: unknown;
  custom_id?: unknown;
  url?: unknown;
};

/** A button that clicks: styles 1-4, a custom_id of 1-100 characters, no URL. */
const validInteractive = (b: PostedComponent) =>
  [1, 2, 3, 4].includes(b.style as number) &&
  b.url === undefined &&
  typeof b.custom_id === "string" &&
  b.custom_id.length >= 1 &&
  b.custom_id.length <= 100;

/** A link button: style 5, an https URL of at most 512 characters, no custom_id. */
const validLink = (b: PostedComponent) =>
  b.style === 5 && b.custom_id === undefined && isLinkUrl(b.url);

/**
 * Discord's limits: up to 5 action rows of up to 5 buttons, labels ≤ 80; each one that
 * clicks or a link.
 */
function validComponents(rows: unknown): rows is unknown[] {
  if (!Array.isArray(rows) || rows.length > 5) return false;
  return rows.every((row: { type?: unknown; components?: unknown }) => {
    if (row?.type !== 1 || !Array.isArray(row.components) || row.components.length > 5)
      return false;
    return row.components.every(
      (b: PostedComponent) =>
        b?.type === 2 &&
        typeof b.label === "string" &&
        b.label.length <= 80 &&
        (validInteractive(b) || validLink(b)),
    );
  });
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

/** The message framed on stdout, its buttons' labels under it. */
function printFramed(message: InboxMessage): void {
  const labels = buttonsOf(message.components).map((b) =>
    "url" in b ? `[${b.label} ↗ ${b.url}]` : `[${b.label}]`,
  );
  const title = message.via === "answer" ? "Discord answer" : "Discord message";
  const buttons = labels.length ? `${labels.join(" ")}  (message ${message.id})\n` : "";
  process.stdout.write(
    `──── ${title} ────\n${message.content}\n${buttons}─────────────────────────\n`,
  );
}
