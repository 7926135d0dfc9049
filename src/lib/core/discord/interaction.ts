import * as z from "zod";
import { isLookupId } from "../command.js";
import { discordPayload } from "../discord-message.js";
import { type Action, ID_ACTIONS, type IdActionName } from "./slash-commands.js";

/**
 * A Discord interaction, as the Interactions Endpoint receives it (only after its
 * signature checked): parsed with zod into what AMPA acts on, and the answers it sends.
 */

/** Interaction types (Discord API). */
const PING = 1;
const APPLICATION_COMMAND = 2;
const MESSAGE_COMPONENT = 3;
const AUTOCOMPLETE = 4;

const snowflake = z.string().regex(/^\d{1,20}$/);
const user = z.object({
  id: snowflake,
  username: z.string().max(64),
  global_name: z.string().max(64).nullish(),
});
type Option = {
  name: string;
  type: number;
  value?: unknown;
  focused?: boolean;
  options?: Option[];
};
const option: z.ZodType<Option> = z.lazy(() =>
  z.object({
    name: z.string().max(32),
    type: z.number().int(),
    value: z.unknown().optional(),
    focused: z.boolean().optional(),
    options: z.array(option).max(25).optional(),
  }),
);

const interactionSchema = z.object({
  id: snowflake,
  application_id: snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(512),
  guild_id: snowflake.optional(),
  channel_id: snowflake.optional(),
  member: z.object({ user, roles: z.array(snowflake).max(250) }).optional(),
  user: user.optional(),
  data: z
    .object({
      name: z.string().max(32).optional(),
      options: z.array(option).max(25).optional(),
      custom_id: z.string().max(100).optional(),
    })
    .optional(),
  message: z.object({ id: snowflake }).optional(),
});

/** Who clicked or typed, and where. */
export interface Actor {
  userId: string;
  userName: string;
  roles: string[];
}

/** What the reply to an interaction needs (the token is a secret for 15 minutes). */
export interface Reply {
  applicationId: string;
  token: string;
}

export interface InteractionContext {
  interactionId: string;
  reply: Reply;
  actor: Actor;
  channelId: string | undefined;
  /** The message a button was on (none for a slash command). */
  messageId: string | undefined;
}

export type Interaction =
  | { kind: "ping" }
  | ({ kind: "command"; action: Action } & InteractionContext)
  | { kind: "autocomplete"; prefix: string }
  /** A click on one of AMPA's buttons: its custom_id, still sealed (core/discord/buttons.ts). */
  | ({ kind: "button"; customId: string } & InteractionContext)
  /** Well-formed but not ours to answer (another command, a bad option): its message says why. */
  | ({ kind: "unsupported"; message: string } & InteractionContext);

/** When Discord made the interaction: its id is a snowflake, the time in its top bits. */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + 1_420_070_400_000;
}

function actionOf(sub: Option | undefined): Action | string {
  if (!sub || sub.type !== 1) return "a subcommand of /ampa is needed";
  const value = (name: string) => sub.options?.find((o) => o.name === name)?.value;
  if (sub.name === "status") return { name: "status" };
  if (sub.name === "deadletters")
    return { name: "deadletters", redrive: value("redrive") === true };
  if (!ID_ACTIONS.has(sub.name)) return `unknown subcommand ${sub.name}`;
  const id = value("id");
  if (typeof id !== "string" || !isLookupId(id)) return "not a command id";
  return { name: sub.name as IdActionName, id };
}

/** The parsed interaction, or undefined when the body is no interaction at all. */
export function parseInteraction(body: unknown): Interaction | undefined {
  const parsed = interactionSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const i = parsed.data;
  if (i.type === PING) return { kind: "ping" };
  const sub = i.data?.options?.[0];
  if (i.type === AUTOCOMPLETE) {
    const focused = sub?.options?.find((o) => o.focused);
    return {
      kind: "autocomplete",
      prefix: typeof focused?.value === "string" ? focused.value : "",
    };
  }
  const who = i.member?.user ?? i.user;
  if (!who) return undefined;
  const context: InteractionContext = {
    interactionId: i.id,
    reply: { applicationId: i.application_id, token: i.token },
    actor: {
      userId: who.id,
      userName: who.global_name ?? who.username,
      roles: i.member?.roles ?? [],
    },
    channelId: i.channel_id,
    messageId: i.message?.id,
  };
  if (i.type === MESSAGE_COMPONENT && i.data?.custom_id !== undefined)
    return { kind: "button", customId: i.data.custom_id, ...context };
  if (i.type !== APPLICATION_COMMAND || i.data?.name !== "ampa")
    return { kind: "unsupported", message: "AMPA answers only /ampa", ...context };
  const action = actionOf(sub);
  return typeof action === "string"
    ? { kind: "unsupported", message: action, ...context }
    : { kind: "command", action, ...context };
}

/** Who may change anything: Discord user ids and role ids (SSM /ampa/<stage>/discord/allowlist). */
export interface Allowlist {
  users: ReadonlySet<string>;
  roles: ReadonlySet<string>;
}

export const EMPTY_ALLOWLIST: Allowlist = { users: new Set(), roles: new Set() };

/**
 * `user:<id>` and `role:<id>` entries separated by commas, spaces or new lines. Anything
 * else is reported in `invalid` and grants nothing.
 */
export function parseAllowlist(text: string | undefined): {
  allowlist: Allowlist;
  invalid: string[];
} {
  const users = new Set<string>();
  const roles = new Set<string>();
  const invalid: string[] = [];
  for (const entry of (text ?? "").split(/[\s,]+/).filter(Boolean)) {
    const m = /^(user|role):(\d{1,20})$/.exec(entry);
    if (!m?.[2]) invalid.push(entry);
    else (m[1] === "user" ? users : roles).add(m[2]);
  }
  return { allowlist: { users, roles }, invalid };
}

export function mayAct(actor: Actor, allowlist: Allowlist): boolean {
  return allowlist.users.has(actor.userId) || actor.roles.some((r) => allowlist.roles.has(r));
}

/** Interaction response types and the ephemeral flag (Discord API). */
const PONG = 1;
const CHANNEL_MESSAGE = 4;
const DEFERRED_CHANNEL_MESSAGE = 5;
const AUTOCOMPLETE_RESULT = 8;
const EPHEMERAL = 64;

/** A message's content and options: mentions never parsed, cut to Discord's limit. */
export function messageData(
  content: string,
  opts: { ephemeral?: boolean; components?: readonly unknown[] } = {},
) {
  return {
    ...discordPayload(content),
    ...(opts.ephemeral ? { flags: EPHEMERAL } : {}),
    ...(opts.components?.length ? { components: opts.components } : {}),
  };
}

export const pong = () => ({ type: PONG });
export const message = (
  content: string,
  opts: { ephemeral?: boolean; components?: readonly unknown[] } = {},
) => ({
  type: CHANNEL_MESSAGE,
  data: messageData(content, opts),
});
/** "AMPA is thinking…": the answer follows as an edit of it (ephemeral: only the asker sees it). */
export const deferred = (opts: { ephemeral?: boolean } = {}) => ({
  type: DEFERRED_CHANNEL_MESSAGE,
  ...(opts.ephemeral ? { data: { flags: EPHEMERAL } } : {}),
});
export const choices = (ids: readonly string[]) => ({
  type: AUTOCOMPLETE_RESULT,
  data: { choices: ids.slice(0, 25).map((id) => ({ name: id, value: id })) },
});
export type InteractionResponse =
  | ReturnType<typeof pong>
  | ReturnType<typeof message>
  | ReturnType<typeof deferred>
  | ReturnType<typeof choices>;
