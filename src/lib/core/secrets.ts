/** What a redacted secret is replaced with. */
const REDACTED = "****";

/** Shorter values would redact ordinary words and numbers all over the logs. */
const MIN_SECRET_LENGTH = 8;

// Kept longest first, so a secret that contains another is replaced whole.
let secrets: string[] = [];

/**
 * `…discord.com/api/webhooks/<id>/<token>` (also discordapp.com, ptb./canary. hosts and
 * `/api/v10/webhooks/…`): group 1 is everything up to the token.
 */
const DISCORD_WEBHOOK =
  /(discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/[^/\s"'\\?#]+\/)[^/\s"'\\?#]+/gi;

/** A webhook path on any host: group 1 is everything up to the token, group 2 the token. */
const WEBHOOK_PATH = /^(\/api\/(?:v\d+\/)?webhooks\/[^/]+\/)([^/]+)/;

/** Remembers a secret (e.g. a webhook token) so redactSecrets removes it everywhere; ignores values shorter than 8 chars. */
export function registerSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH) return;
  // Log lines are JSON: a secret with quotes, backslashes or control characters appears
  // there escaped, so remember that form too.
  const forms = [value, JSON.stringify(value).slice(1, -1)];
  const added = forms.filter((form) => !secrets.includes(form));
  if (added.length === 0) return;
  secrets = [...secrets, ...added].sort((a, b) => b.length - a.length);
}

/** Replaces every registered secret, and any Discord webhook token pattern (discord(app)?.com/api/webhooks/<id>/<token>), with "****". */
export function redactSecrets(text: string): string {
  let out = text.replace(DISCORD_WEBHOOK, `$1${REDACTED}`);
  for (const secret of secrets) out = out.replaceAll(secret, REDACTED);
  return out;
}

/**
 * The token of a Discord-style webhook URL (`/api/[v<n>/]webhooks/<id>/<token>` on any
 * host, so the local inbox and test servers count too); undefined for other URLs.
 */
export function webhookToken(url: string): string | undefined {
  return WEBHOOK_PATH.exec(parseUrl(url)?.pathname ?? "")?.[2];
}

/**
 * "https://discord.com/api/webhooks/123/abc…" → "https://discord.com/api/webhooks/123/****";
 * other URLs keep scheme://host/ and mask the path's last segment. Credentials, query and
 * fragment are dropped; anything that does not parse as a URL becomes "****".
 */
export function maskWebhookUrl(url: string): string {
  const parsed = parseUrl(url);
  if (!parsed) return REDACTED;
  const origin = `${parsed.protocol}//${parsed.host}`;
  const webhook = WEBHOOK_PATH.exec(parsed.pathname);
  // Everything after the token (e.g. `/slack`) is dropped with it.
  if (webhook) return redactSecrets(`${origin}${webhook[1]}${REDACTED}`);
  const segments = parsed.pathname.split("/").filter((s) => s !== "");
  if (segments.length === 0) return `${origin}/`;
  return redactSecrets(`${origin}/${[...segments.slice(0, -1), REDACTED].join("/")}`);
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
