import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A Discord application's key pair, made for the test (Ed25519, as Discord's). */
export interface TestApplication {
  /** The public key as Discord's portal shows it: 64 hex characters. */
  publicKeyHex: string;
  privateKey: KeyObject;
  id: string;
}

export function testApplication(): TestApplication {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  // The raw 32 bytes are the end of the SPKI DER encoding.
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { publicKeyHex: raw.toString("hex"), privateKey, id: "900000000000000001" };
}

/** The headers Discord sends with `body`, signed at `at` (epoch ms) with `key`. */
export function signedHeaders(key: KeyObject, body: string, at: number): Record<string, string> {
  const timestamp = String(Math.floor(at / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), key).toString("hex");
  return {
    "content-type": "application/json",
    "x-signature-ed25519": signature,
    "x-signature-timestamp": timestamp,
  };
}

let sequence = 0;
/** A fresh snowflake made at `at` (Discord's ids carry their time). */
export function snowflake(at: number): string {
  return String((BigInt(at - 1_420_070_400_000) << 22n) + BigInt(++sequence));
}

export interface Asker {
  userId: string;
  roles?: string[];
}

/** An `/ampa <sub> [options]` interaction, as Discord sends it. */
export function slashCommand(
  app: TestApplication,
  sub: string,
  options: Record<string, string | boolean> = {},
  asker: Asker = { userId: "111" },
  at = Date.now(),
) {
  return {
    id: snowflake(at),
    application_id: app.id,
    type: 2,
    token: `interaction-token-${sequence}-${"x".repeat(40)}`,
    version: 1,
    guild_id: "700000000000000001",
    channel_id: "800000000000000001",
    member: {
      user: { id: asker.userId, username: `user${asker.userId}`, global_name: null },
      roles: asker.roles ?? [],
    },
    data: {
      id: "600000000000000001",
      name: "ampa",
      type: 1,
      options: [
        {
          name: sub,
          type: 1,
          options: Object.entries(options).map(([name, value]) => ({
            name,
            type: typeof value === "boolean" ? 5 : 3,
            value,
          })),
        },
      ],
    },
  };
}

export const ping = (app: TestApplication) => ({
  id: snowflake(Date.now()),
  application_id: app.id,
  type: 1,
  token: "ping-token",
  version: 1,
});

type InteractionsHandler = (event: unknown) => Promise<{
  statusCode?: number;
  headers?: unknown;
  body?: string;
} | null>;

/**
 * API Gateway's HTTP API in miniature in front of the interactions handler: a real HTTP
 * server on loopback passing the raw body base64-encoded, headers as Node gives them.
 */
export async function serveInteractions(
  handler: InteractionsHandler,
): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handler({
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString("base64"),
        isBase64Encoded: true,
      }).then((answer) => {
        res.writeHead(answer?.statusCode ?? 500, answer?.headers as Record<string, string>);
        res.end(answer?.body);
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/discord/interactions`,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}
