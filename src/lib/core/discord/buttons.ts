import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { Action } from "./slash-commands.js";

/**
 * A button's `custom_id`: an opaque, signed reference to an action on a command, never a
 * command string. The reference is sealed with AES-256-GCM under the button key (SSM
 * /ampa/<stage>/discord/button-key): a reader learns nothing from it, and a forged or
 * altered one fails its tag. Discord caps a custom_id at 100 characters, so commands with
 * long ids get no buttons.
 */

/** The actions a button may carry, by one letter. */
const CODES = { r: "run", p: "pause", u: "resume" } as const;
type ButtonAction = (typeof CODES)[keyof typeof CODES];
const PREFIX = "a1.";
const MAX_CUSTOM_ID = 100;

const aesKey = (secret: string) => createHash("sha256").update(`ampa-button:${secret}`).digest();

/** The custom_id of a button that asks for `action` on `id`; undefined when it cannot fit. */
export function sealButton(secret: string, action: ButtonAction, id: string): string | undefined {
  const code = Object.entries(CODES).find(([, name]) => name === action)?.[0] ?? "";
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", aesKey(secret), iv);
  const sealed = Buffer.concat([cipher.update(`${code}${id}`, "utf8"), cipher.final()]);
  const customId = PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
  return customId.length <= MAX_CUSTOM_ID ? customId : undefined;
}

/** The action a custom_id carries, or undefined when it is not one of ours, or forged. */
export function openButton(secret: string, customId: string): Action | undefined {
  if (!customId.startsWith(PREFIX) || customId.length > MAX_CUSTOM_ID) return undefined;
  const raw = Buffer.from(customId.slice(PREFIX.length), "base64url");
  if (raw.length < 12 + 16 + 2) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", aesKey(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString();
    const name = CODES[text[0] as keyof typeof CODES];
    return name ? { name, id: text.slice(1) } : undefined;
  } catch {
    return undefined;
  }
}

/** Run / Pause / Resume buttons for a command (none that do not fit). */
export function commandButtons(secret: string, id: string) {
  const buttons = (
    [
      ["run", "Run now", 1],
      ["pause", "Pause", 2],
      ["resume", "Resume", 2],
    ] as const
  ).flatMap(([action, label, style]) => {
    const custom_id = sealButton(secret, action, id);
    return custom_id ? [{ type: 2, style, label, custom_id }] : [];
  });
  return buttons.length ? [{ type: 1, components: buttons }] : [];
}
