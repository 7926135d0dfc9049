import type { Reply } from "../core/discord/interaction.js";
import { messageData } from "../core/discord/interaction.js";
import { redactSecrets, registerSecret } from "../core/secrets.js";

/**
 * Discord's REST API, as far as AMPA calls it: editing a deferred answer through the
 * interaction's webhook, and the bulk overwrite of the application's commands. The base
 * URL is a setting (AMPA_DISCORD_API_URL) so tests point it at their own server.
 */

export class DiscordApiError extends Error {
  override readonly name = "DiscordApiError";
  constructor(
    readonly status: number,
    what: string,
    body: string,
  ) {
    // Discord's error bodies are short JSON; the redaction covers an echoed token.
    super(redactSecrets(`discord: ${what} answered ${status}: ${body.slice(0, 300)}`));
  }
}

async function send(
  url: string,
  init: { method: string; body?: unknown; headers?: Record<string, string>; timeoutMs: number },
  what: string,
): Promise<unknown> {
  const res = await fetch(url, {
    method: init.method,
    headers: { "content-type": "application/json", ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    redirect: "error",
    signal: AbortSignal.timeout(init.timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new DiscordApiError(res.status, what, text);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * Replaces the content of an interaction's (deferred) answer. The token is valid for 15
 * minutes and lets anyone edit it: it is registered as a secret before it goes anywhere.
 */
export async function editOriginal(
  baseUrl: string,
  reply: Reply,
  content: string,
  timeoutMs = 10_000,
): Promise<void> {
  registerSecret(reply.token);
  const url = `${baseUrl}/webhooks/${reply.applicationId}/${encodeURIComponent(reply.token)}/messages/@original`;
  await send(url, { method: "PATCH", body: messageData(content), timeoutMs }, "the answer's edit");
}

/** The application the bot token belongs to. */
export async function applicationId(baseUrl: string, botToken: string): Promise<string> {
  const app = (await send(
    `${baseUrl}/applications/@me`,
    { method: "GET", headers: { authorization: `Bot ${botToken}` }, timeoutMs: 10_000 },
    "GET /applications/@me",
  )) as { id?: unknown } | undefined;
  if (typeof app?.id !== "string" || !/^\d{1,20}$/.test(app.id))
    throw new Error("discord: GET /applications/@me returned no application id");
  return app.id;
}

/**
 * Puts exactly `commands` on the guild (or, without one, on every guild: global commands,
 * which take up to an hour to show). A bulk overwrite: running it twice changes nothing.
 */
export async function overwriteCommands(
  baseUrl: string,
  botToken: string,
  target: { applicationId: string; guildId: string | undefined },
  commands: readonly unknown[],
): Promise<unknown[]> {
  const path = target.guildId
    ? `/applications/${target.applicationId}/guilds/${target.guildId}/commands`
    : `/applications/${target.applicationId}/commands`;
  const answer = await send(
    `${baseUrl}${path}`,
    {
      method: "PUT",
      headers: { authorization: `Bot ${botToken}` },
      body: commands,
      timeoutMs: 30_000,
    },
    `PUT ${path}`,
  );
  return Array.isArray(answer) ? answer : [];
}

/**
 * Creates a webhook on the channel through the bot: one the application owns, so its posts
 * may carry buttons (executed with `?with_components=true`). Its token is a secret, and
 * registered as one before anything else sees it.
 */
export async function createWebhook(
  baseUrl: string,
  botToken: string,
  channelId: string,
  name: string,
): Promise<{ id: string; token: string }> {
  const path = `/channels/${channelId}/webhooks`;
  const hook = (await send(
    `${baseUrl}${path}`,
    {
      method: "POST",
      headers: { authorization: `Bot ${botToken}` },
      body: { name },
      timeoutMs: 30_000,
    },
    `POST ${path}`,
  )) as { id?: unknown; token?: unknown } | undefined;
  if (typeof hook?.token === "string") registerSecret(hook.token);
  if (typeof hook?.id !== "string" || !/^\d{1,20}$/.test(hook.id) || typeof hook.token !== "string")
    throw new Error(`discord: POST ${path} returned no webhook id and token`);
  return { id: hook.id, token: hook.token };
}
