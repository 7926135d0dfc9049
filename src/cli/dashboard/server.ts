import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { redactSecrets } from "../../lib/core/secrets.js";
import { asError } from "../../lib/runtime/log.js";
import { commandPage } from "./command-page.js";
import { ChangeFeed, streamChanges } from "./events.js";
import { type LiveLines, livePage, streamLive } from "./live-page.js";
import { changedSections, dashboardPage, sections } from "./page.js";
import type { Snapshot } from "./snapshot.js";

/**
 * The dashboard's HTTP server, on 127.0.0.1 only. Every request needs the random token
 * printed with the URL (403 without it); a request whose Host is not this server (DNS
 * rebinding) or whose Origin is another site is refused too. Actions are POSTs.
 */

/** What the action forms do; each resolves to the notice shown after it. */
export interface DashboardActions {
  pause(id: string): Promise<string>;
  resume(id: string): Promise<string>;
  runOnce(id: string): Promise<string>;
  redrive(): Promise<string>;
}

export interface DashboardOptions {
  port: number;
  read: () => Promise<Snapshot>;
  actions: DashboardActions;
  target: string;
  /**
   * A string that changes when the store does (events.ts storeFingerprint): with it the
   * page is told of changes over `GET /events`; without it the page only polls.
   */
  watch?: () => Promise<string>;
  /** Fixed in tests; random otherwise. */
  token?: string;
  /** A run's output lines for the live view (`/live`); without it there is none. */
  liveLines?: LiveLines;
}

export interface Dashboard {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_FORM_BYTES = 8192;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim();
  if (type !== "application/x-www-form-urlencoded")
    throw new HttpError(415, "actions are form posts");
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new HttpError(413, "form too large");
  }
  return new URLSearchParams(body);
}

function headers(nonce: string, type: string): Record<string, string> {
  return {
    "content-type": type,
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  };
}

/** Coalesces concurrent reads (several tabs, a slow store) into one. */
function sharedRead(read: () => Promise<Snapshot>): () => Promise<Snapshot> {
  let inFlight: Promise<Snapshot> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

async function act(form: URLSearchParams, actions: DashboardActions): Promise<string> {
  const action = form.get("action");
  const id = form.get("id") ?? "";
  if (action === "redrive") return actions.redrive();
  if (!id) throw new HttpError(400, "no command id");
  if (action === "pause") return actions.pause(id);
  if (action === "resume") return actions.resume(id);
  if (action === "run-once") return actions.runOnce(id);
  throw new HttpError(400, "unknown action");
}

interface Reply {
  status: number;
  type: string;
  body: string;
  location?: string;
  /** The event stream: the response stays open (body unused). */
  events?: ChangeFeed;
  /** A run's live output stream (the id), open until the run ends. */
  live?: string;
}

interface Context {
  token: string;
  /** `http://127.0.0.1:<port>` and `http://localhost:<port>`. */
  origins: Set<string>;
  read: () => Promise<Snapshot>;
  actions: DashboardActions;
  target: string;
  feed: ChangeFeed | undefined;
  liveLines: LiveLines | undefined;
}

/**
 * An action form: token in the body, never in a GET. `Origin: null` is what a browser
 * sends for a form posted by a no-referrer page; the token is what protects the action.
 */
async function postAction(req: IncomingMessage, url: URL, ctx: Context): Promise<Reply> {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== "null" && !ctx.origins.has(origin))
    throw new HttpError(403, "forbidden");
  const form = await readForm(req);
  if (!sameToken(form.get("token"), ctx.token)) throw new HttpError(403, "forbidden");
  if (url.pathname !== "/action") throw new HttpError(404, "not found");
  let notice: string;
  let error = false;
  try {
    notice = await act(form, ctx.actions);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    notice = asError(err).message;
    error = true;
  }
  const back = new URLSearchParams({ token: ctx.token, notice, ...(error ? { error: "1" } : {}) });
  return {
    status: 303,
    type: "text/plain; charset=utf-8",
    body: "See Other",
    location: `/?${back}`,
  };
}

async function get(url: URL, ctx: Context, nonce: string): Promise<Reply> {
  if (!sameToken(url.searchParams.get("token"), ctx.token)) throw new HttpError(403, "forbidden");
  if (url.pathname === "/events") {
    if (!ctx.feed) throw new HttpError(404, "no live updates here");
    return { status: 200, type: "text/event-stream", body: "", events: ctx.feed };
  }
  if (url.pathname === "/live" || url.pathname === "/live/events") {
    const id = url.searchParams.get("id") ?? "";
    if (!ctx.liveLines || !id) throw new HttpError(404, "no live view here");
    if (url.pathname === "/live")
      return {
        status: 200,
        type: "text/html; charset=utf-8",
        body: livePage(id, { token: ctx.token, nonce }),
      };
    return { status: 200, type: "text/event-stream", body: "", live: id };
  }
  if (url.pathname === "/api/snapshot") {
    const snapshot = await ctx.read();
    const week = url.searchParams.get("span") === "7d";
    const all = sections(snapshot, ctx.token, week);
    const known = url.searchParams.get("known") ?? "";
    const body = JSON.stringify({ now: snapshot.now, ...changedSections(all, known) });
    return { status: 200, type: "application/json", body };
  }
  if (url.pathname === "/command") {
    const body = commandPage(await ctx.read(), url.searchParams.get("id") ?? "", {
      token: ctx.token,
      nonce,
    });
    if (body === undefined) throw new HttpError(404, "no such command");
    return { status: 200, type: "text/html; charset=utf-8", body };
  }
  if (url.pathname !== "/") throw new HttpError(404, "not found");
  const text = url.searchParams.get("notice");
  const body = dashboardPage(await ctx.read(), {
    token: ctx.token,
    nonce,
    target: ctx.target,
    notice: text ? { text, error: url.searchParams.has("error") } : undefined,
    week: url.searchParams.get("span") === "7d",
    live: ctx.feed !== undefined,
  });
  return { status: 200, type: "text/html; charset=utf-8", body };
}

async function reply(req: IncomingMessage, ctx: Context, nonce: string): Promise<Reply> {
  const host = req.headers.host ?? "";
  // A Host other than this server's is a page that rebound its name to 127.0.0.1.
  if (!ctx.origins.has(`http://${host}`)) throw new HttpError(403, "forbidden");
  const url = new URL(req.url ?? "/", `http://${host}`);
  if (req.method === "POST") return postAction(req, url, ctx);
  if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method not allowed");
  return get(url, ctx, nonce);
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const nonce = randomBytes(16).toString("base64");
  let r: Reply;
  try {
    r = await reply(req, ctx, nonce);
  } catch (err) {
    const known = err instanceof HttpError;
    const body = known ? err.message : `store read failed: ${asError(err).message}`;
    r = { status: known ? err.status : 500, type: "text/plain; charset=utf-8", body: `${body}\n` };
  }
  if (res.headersSent) return void res.destroy();
  if (r.events) {
    res.writeHead(200, headers(nonce, r.type));
    return streamChanges(res, r.events);
  }
  if (r.live !== undefined && ctx.liveLines) {
    res.writeHead(200, headers(nonce, r.type));
    return streamLive(res, ctx.liveLines, r.live);
  }
  res.writeHead(r.status, {
    ...headers(nonce, r.type),
    ...(r.location ? { location: r.location } : {}),
  });
  // The one exit of every page, fragment and error: run outputs and items are redacted.
  res.end(redactSecrets(r.body));
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const token = opts.token ?? randomBytes(24).toString("base64url");
  const ctx: Context = {
    token,
    origins: new Set(),
    read: sharedRead(opts.read),
    actions: opts.actions,
    target: opts.target,
    feed: opts.watch && new ChangeFeed(opts.watch),
    liveLines: opts.liveLines,
  };
  const server: Server = createServer((req, res) => void handle(req, res, ctx));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  ctx.origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        ctx.feed?.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
