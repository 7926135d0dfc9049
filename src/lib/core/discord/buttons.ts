import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { pullRequestRef, pullRequestUrl } from "../github.js";
import type { Action } from "./slash-commands.js";

/**
 * A button's `custom_id`: an opaque, sealed reference to an action on a command (or, on an
 * escalated work item's post, on the item; on a failing PR's post, on the PR) and, when it
 * fits, the run it came from; never a command string. The reference is sealed with
 * AES-256-GCM under the button key (SSM /ampa/<stage>/discord/button-key): a reader learns
 * nothing from it, and a forged or altered one fails its tag. Discord caps a custom_id at 100 characters: a reference that
 * does not fit with its run is sealed without it, and one that does not fit at all gets
 * no button.
 */

/** The actions a button may carry, by one letter. */
const CODES = {
  r: "run",
  p: "pause",
  u: "resume",
  o: "logs",
  a: "approve",
  h: "hold",
  i: "ignore",
} as const;
export type ButtonAction = (typeof CODES)[keyof typeof CODES];
const PREFIX = "a2.";
const MAX_CUSTOM_ID = 100;
const IV = 12;
const TAG = 16;
/** A run id is a UUID: sealed as its 16 bytes. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const aesKey = (secret: string) => createHash("sha256").update(`ampa-button:${secret}`).digest();

/** What a button refers to: a command id (or a work item id) and, optionally, a run. */
export interface ButtonRef {
  id: string;
  runId?: string | undefined;
}

function seal(secret: string, action: ButtonAction, id: string, runId?: string): string {
  const code = Object.entries(CODES).find(([, name]) => name === action)?.[0] ?? "";
  const run = runId ? Buffer.from(runId.replaceAll("-", ""), "hex") : Buffer.alloc(0);
  const plain = Buffer.concat([
    Buffer.from([code.charCodeAt(0), run.length]),
    run,
    Buffer.from(id),
  ]);
  const iv = randomBytes(IV);
  const cipher = createCipheriv("aes-256-gcm", aesKey(secret), iv);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
}

/**
 * The custom_id of a button that asks for `action` on `ref`: with its run when that fits,
 * else without; undefined when even the id alone does not fit.
 */
export function sealButton(
  secret: string,
  action: ButtonAction,
  ref: ButtonRef | string,
): string | undefined {
  const { id, runId } = typeof ref === "string" ? { id: ref, runId: undefined } : ref;
  const candidates = [
    ...(runId && UUID.test(runId) ? [seal(secret, action, id, runId)] : []),
    seal(secret, action, id),
  ];
  return candidates.find((c) => c.length <= MAX_CUSTOM_ID);
}

const uuidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** The action a custom_id carries, or undefined when it is not one of ours, or forged. */
export function openButton(secret: string, customId: string): Action | undefined {
  if (!customId.startsWith(PREFIX) || customId.length > MAX_CUSTOM_ID) return undefined;
  const raw = Buffer.from(customId.slice(PREFIX.length), "base64url");
  if (raw.length < IV + TAG + 3) return undefined;
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", aesKey(secret), raw.subarray(0, IV));
    decipher.setAuthTag(raw.subarray(IV, IV + TAG));
    plain = Buffer.concat([decipher.update(raw.subarray(IV + TAG)), decipher.final()]);
  } catch {
    return undefined;
  }
  const name = CODES[String.fromCharCode(plain[0] ?? 0) as keyof typeof CODES];
  const runLength = plain[1] ?? 0;
  if (!name || (runLength !== 0 && runLength !== 16)) return undefined;
  const id = plain.subarray(2 + runLength).toString("utf8");
  if (id === "") return undefined;
  if (!runLength) return { name, id };
  return { name, id, runId: uuidOf(plain.subarray(2, 18).toString("hex")) };
}

/** A button that is clicked (Discord's component JSON: type 2, a style, a label, the custom_id). */
export interface InteractiveButton {
  type: 2;
  style: 1 | 2 | 3 | 4;
  label: string;
  custom_id: string;
}
/** A link button (style 5): Discord opens its URL; no click reaches AMPA. */
export interface LinkButton {
  type: 2;
  style: 5;
  label: string;
  url: string;
}
export type Button = InteractiveButton | LinkButton;
/** An action row (type 1) of buttons. */
export interface ActionRow {
  type: 1;
  components: Button[];
}

/** Styles (Discord API): primary (blurple), secondary (grey), success (green), danger (red). */
const PRIMARY = 1;
const SECONDARY = 2;
const SUCCESS = 3;
const LINK = 5;

type ButtonSpec = readonly [ButtonAction, string, InteractiveButton["style"]];

/** One action row of the buttons that fit (none when none does). */
function row(secret: string, specs: readonly ButtonSpec[], ref: ButtonRef): ActionRow[] {
  const buttons = specs.flatMap(([action, label, style]): InteractiveButton[] => {
    const custom_id = sealButton(secret, action, ref);
    return custom_id ? [{ type: 2, style, label, custom_id }] : [];
  });
  return buttons.length === specs.length ? [{ type: 1, components: buttons }] : [];
}

/** Run / Pause / Resume buttons for a command (`/ampa why`). */
export function commandButtons(secret: string, id: string): ActionRow[] {
  return row(
    secret,
    [
      ["run", "Run now", PRIMARY],
      ["pause", "Pause", SECONDARY],
      ["resume", "Resume", SECONDARY],
    ],
    { id },
  );
}

/**
 * What a post offers: a run's result (Run again / Pause), a failed run (Run again / Show
 * output), an escalated work item (Approve / Keep held), or a failing PR (Open / Ignore).
 * A failing PR's `repo` is `""` for the command's own repository; its `url` is gh's text.
 */
export type PostButtons =
  | { for: "result" | "failure"; commandId: string; runId: string }
  | { for: "escalation"; workItemId: string; runId: string }
  | { for: "failing-pr"; repo: string; number: number; url: string };

/**
 * Open (a link to the PR, only when gh's URL is a well-formed github.com URL of this PR)
 * and Ignore (sealed, on `<repo>#<number>`), each when it can be made.
 */
function failingPrRow(
  secret: string,
  pr: Extract<PostButtons, { for: "failing-pr" }>,
): ActionRow[] {
  const url = pullRequestUrl(pr.url, pr.number);
  const ignore = sealButton(secret, "ignore", pullRequestRef(pr));
  const buttons: Button[] = [
    ...(url ? [{ type: 2, style: LINK, label: "Open", url } as const] : []),
    ...(ignore ? [{ type: 2, style: SECONDARY, label: "Ignore", custom_id: ignore } as const] : []),
  ];
  return buttons.length ? [{ type: 1, components: buttons }] : [];
}

/** The components of a post (an empty list when its references do not fit). */
export function postButtons(secret: string, post: PostButtons): ActionRow[] {
  switch (post.for) {
    case "result":
      return row(
        secret,
        [
          ["run", "Run again", PRIMARY],
          ["pause", "Pause", SECONDARY],
        ],
        { id: post.commandId, runId: post.runId },
      );
    case "failure":
      return row(
        secret,
        [
          ["run", "Run again", PRIMARY],
          ["logs", "Show output", SECONDARY],
        ],
        { id: post.commandId, runId: post.runId },
      );
    case "escalation":
      return row(
        secret,
        [
          ["approve", "Approve", SUCCESS],
          ["hold", "Keep held", SECONDARY],
        ],
        { id: post.workItemId, runId: post.runId },
      );
    case "failing-pr":
      return failingPrRow(secret, post);
  }
}
