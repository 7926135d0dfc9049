import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import * as z from "zod";
import { ownDir, replaceFile } from "../adapters/private-files.js";

/**
 * Discord, played locally (`npm start`, `ampa inbox`, `ampa discord click`): an application
 * identity made at first start and kept in `.ampa/discord-local.json` (owner-only), and
 * clicks on the inbox's posts sent to the local Interactions Endpoint exactly as Discord
 * sends them: type 3, signed with the identity's Ed25519 key.
 */

/** The local user who clicks: on the local allowlist by default (docs/discord.md). */
export const LOCAL_USER_ID = "100000000000000001";
export const LOCAL_APPLICATION_ID = "100000000000000002";
/** The channel the local "bot" posts to (the inbox). */
export const LOCAL_CHANNEL_ID = "100000000000000003";
export const LOCAL_GUILD_ID = "100000000000000004";

const identitySchema = z.object({
  publicKeyHex: z.string().regex(/^[0-9a-f]{64}$/),
  privateKeyPem: z.string().min(1),
  buttonKey: z.string().min(32),
  botToken: z.string().min(16),
});

/** The local application: its key pair, the button key and the local bot's token. */
export interface LocalIdentity {
  publicKeyHex: string;
  privateKey: KeyObject;
  buttonKey: string;
  botToken: string;
}

/** The identity at `path`; undefined when there is none yet. */
export function readLocalIdentity(path: string): LocalIdentity | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const stored = identitySchema.parse(JSON.parse(text));
  return { ...stored, privateKey: createPrivateKey(stored.privateKeyPem) };
}

/** The identity at `path`, made (0600, in a 0700 folder) when there is none yet. */
export function localIdentity(path: string): LocalIdentity {
  const existing = readLocalIdentity(path);
  if (existing) return existing;
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const stored: z.infer<typeof identitySchema> = {
    // The raw 32 bytes end the SPKI encoding: the hex Discord's portal would show.
    publicKeyHex: publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex"),
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    buttonKey: randomBytes(32).toString("base64url"),
    botToken: `local.${randomBytes(24).toString("base64url")}`,
  };
  ownDir(dirname(path));
  replaceFile(path, `${JSON.stringify(stored, null, 2)}\n`);
  return { ...stored, privateKey };
}

/** The settings that make the local stack post as the application, to the inbox. */
export function localDiscordEnv(
  identity: LocalIdentity,
  opts: { apiUrl: string; env: Record<string, string | undefined> },
): Record<string, string> {
  const allowlist = [opts.env.AMPA_DISCORD_ALLOWLIST, `user:${LOCAL_USER_ID}`]
    .filter(Boolean)
    .join(" ");
  return {
    AMPA_DISCORD_API_URL: opts.apiUrl,
    AMPA_DISCORD_CHANNEL_ID: LOCAL_CHANNEL_ID,
    AMPA_DISCORD_BOT_TOKEN: identity.botToken,
    AMPA_DISCORD_PUBLIC_KEY: identity.publicKeyHex,
    AMPA_DISCORD_ALLOWLIST: allowlist,
    AMPA_DISCORD_BUTTON_KEY: opts.env.AMPA_DISCORD_BUTTON_KEY ?? identity.buttonKey,
  };
}

/** Discord's limit on a link button's URL. */
const MAX_LINK_URL = 512;

/** A link button's URL as the inbox takes one: https, at most 512 characters, no spaces. */
export function isLinkUrl(url: unknown): url is string {
  return (
    typeof url === "string" &&
    url.length <= MAX_LINK_URL &&
    /^https:\/\/[^\s\p{C}]+$/u.test(url) &&
    URL.canParse(url)
  );
}

/** A button as posted (component JSON), as far as a click needs it: one that clicks, or a link. */
export type PostedButton = { label: string; custom_id: string } | { label: string; url: string };

const postedButton = z.union([
  z.object({ type: z.literal(2), style: z.literal(5), label: z.string(), url: z.string() }),
  z.object({ type: z.literal(2), label: z.string(), custom_id: z.string() }),
]);

/** The buttons of a post's action rows, in order (a link only with a URL it may open). */
export function buttonsOf(components: readonly unknown[] | undefined): PostedButton[] {
  const rows = z
    .array(z.object({ components: z.array(postedButton).catch([]) }))
    .catch([])
    .parse(components ?? []);
  return rows.flatMap((r) =>
    r.components.flatMap((b): PostedButton[] =>
      "url" in b
        ? isLinkUrl(b.url)
          ? [{ label: b.label, url: b.url }]
          : []
        : [{ label: b.label, custom_id: b.custom_id }],
    ),
  );
}

/** The button named by its label, or by its 1-based position. */
export function findButton(
  buttons: readonly PostedButton[],
  labelOrIndex: string,
): PostedButton | undefined {
  const byLabel = buttons.find((b) => b.label.toLowerCase() === labelOrIndex.toLowerCase());
  if (byLabel) return byLabel;
  return /^\d+$/.test(labelOrIndex) ? buttons[Number(labelOrIndex) - 1] : undefined;
}

let sequence = 0;
/** A snowflake made now (Discord's ids carry their time; the action log keys on it). */
function snowflake(at: number): string {
  sequence = (sequence + 1) % 4096;
  return String((BigInt(at - 1_420_070_400_000) << 22n) + BigInt(sequence));
}

export interface Click {
  /** The local Interactions Endpoint: `http://127.0.0.1:<port>/discord/interactions`. */
  interactionsUrl: string;
  privateKey: KeyObject;
  messageId: string;
  customId: string;
  /** Who clicks (default: the local user). */
  userId?: string;
  clock?: () => number;
}

/** What the endpoint answered: its status and body (an interaction response when 200). */
export interface ClickAnswer {
  status: number;
  body: string;
}

/** Sends the click as Discord would: an interaction of type 3, signed, over HTTP. */
export async function sendClick(click: Click): Promise<ClickAnswer> {
  const now = (click.clock ?? Date.now)();
  const userId = click.userId ?? LOCAL_USER_ID;
  const body = JSON.stringify({
    id: snowflake(now),
    application_id: LOCAL_APPLICATION_ID,
    type: 3,
    token: `local-${randomBytes(24).toString("base64url")}`,
    version: 1,
    guild_id: LOCAL_GUILD_ID,
    channel_id: LOCAL_CHANNEL_ID,
    member: {
      user: { id: userId, username: userId === LOCAL_USER_ID ? "local" : `user${userId}` },
      roles: [],
    },
    message: { id: click.messageId },
    data: { component_type: 2, custom_id: click.customId },
  });
  const timestamp = String(Math.floor(now / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), click.privateKey).toString("hex");
  const res = await fetch(click.interactionsUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-signature-ed25519": signature,
      "x-signature-timestamp": timestamp,
    },
    body,
    redirect: "error",
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}
