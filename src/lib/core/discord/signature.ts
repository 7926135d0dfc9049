import { createPublicKey, type KeyObject, verify } from "node:crypto";

/**
 * Discord's request signature (Interactions Endpoint URL): Ed25519 over the
 * `X-Signature-Timestamp` header followed by the raw body, checked against the
 * application's public key. Pure: the time is passed in.
 */

/** A request older than this is refused, whatever its signature (a replay). */
export const MAX_REQUEST_AGE_MS = 5 * 60_000;
/** A timestamp this far ahead of our clock is still taken (clock skew); further is refused. */
export const MAX_CLOCK_SKEW_MS = 60_000;

/** The DER prefix that makes a raw 32-byte Ed25519 key an SPKI public key. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const HEX_KEY = /^[0-9a-f]{64}$/i;
const HEX_SIGNATURE = /^[0-9a-f]{128}$/i;
const TIMESTAMP = /^\d{1,12}$/;

/** The application's public key (hex, as Discord's developer portal shows it). */
export function ed25519PublicKey(hex: string): KeyObject {
  if (!HEX_KEY.test(hex)) throw new Error("discord: the public key is not 64 hex characters");
  const der = Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, "hex")]);
  return createPublicKey({ key: der, format: "der", type: "spki" });
}

export interface SignedRequest {
  signature: string | undefined;
  timestamp: string | undefined;
  /** The body exactly as received (bytes, not re-serialized JSON). */
  body: Buffer;
}

export type Verdict =
  | { ok: true }
  | { ok: false; reason: "unsigned" | "malformed" | "stale" | "future" | "bad-signature" };

/**
 * Whether the request is Discord's and recent. The signature is checked whatever the
 * timestamp says (the same work for every well-formed request); the body is not parsed.
 */
export function verifyRequest(key: KeyObject, req: SignedRequest, now: number): Verdict {
  const { signature, timestamp } = req;
  if (signature === undefined || timestamp === undefined) return { ok: false, reason: "unsigned" };
  if (!HEX_SIGNATURE.test(signature) || !TIMESTAMP.test(timestamp))
    return { ok: false, reason: "malformed" };
  const message = Buffer.concat([Buffer.from(timestamp, "utf8"), req.body]);
  const valid = verify(null, message, key, Buffer.from(signature, "hex"));
  if (!valid) return { ok: false, reason: "bad-signature" };
  const at = Number(timestamp) * 1000;
  if (now - at > MAX_REQUEST_AGE_MS) return { ok: false, reason: "stale" };
  if (at - now > MAX_CLOCK_SKEW_MS) return { ok: false, reason: "future" };
  return { ok: true };
}
