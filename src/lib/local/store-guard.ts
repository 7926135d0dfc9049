import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fresh key for one start of the local store: letters and digits only (DynamoDB Local
 * and the SDK take it as an access key id), 160 bits.
 */
export function newStoreKey(): string {
  return randomBytes(20).toString("hex");
}

/** `Credential=<access key id>/<date>/…` of a SigV4 Authorization header. */
const CREDENTIAL = /^AWS4-HMAC-SHA256 Credential=([^/,\s]*)\//;

/**
 * Why the request is refused, or undefined when it may reach the store. A browser sends
 * `Origin` on every cross-origin POST, and a DNS-rebound page sends its own host name:
 * neither is one of our clients, which sign with the key and talk to 127.0.0.1:<port>.
 */
function refusal(
  req: IncomingMessage,
  key: Buffer,
  host: string,
): { status: number; type: string; message: string } | undefined {
  if (req.headers.origin !== undefined)
    return {
      status: 403,
      type: "AccessDeniedException",
      message: "The local store refuses requests from web pages (an Origin header was sent)",
    };
  if (req.headers.host !== host)
    return {
      status: 403,
      type: "AccessDeniedException",
      message: `The local store answers only requests addressed to ${host}`,
    };
  const credential = CREDENTIAL.exec(req.headers.authorization ?? "")?.[1];
  if (credential === undefined)
    return {
      status: 400,
      type: "MissingAuthenticationTokenException",
      message: "Request is missing the local store's key (a SigV4 Authorization header)",
    };
  const given = Buffer.from(credential);
  if (given.length !== key.length || !timingSafeEqual(given, key))
    return {
      status: 400,
      type: "UnrecognizedClientException",
      message: "The access key id is not this local store's key (it is in the store's lock file)",
    };
  return undefined;
}

/**
 * Puts the key check in front of the server's own request handler (dynalite's), in the
 * same process: a refused request never reaches the store, and gets a DynamoDB-style JSON
 * error without CORS headers. Call before the server listens (on 127.0.0.1).
 */
export function guardStore(server: Server, key: string): void {
  const handlers = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  const keyBytes = Buffer.from(key);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const refused = refusal(req, keyBytes, host);
    if (!refused) {
      for (const handler of handlers) handler(req, res);
      return;
    }
    const body = JSON.stringify({
      __type: `com.amazon.coral.service#${refused.type}`,
      message: refused.message,
    });
    // The body is not read: close the connection rather than parse what follows.
    res.writeHead(refused.status, {
      "Content-Type": "application/x-amz-json-1.0",
      "Content-Length": Buffer.byteLength(body),
      Connection: "close",
    });
    res.end(body);
    req.resume();
  });
}
