import { SecretMatcher } from "./secret-matcher.js";

/** What a redacted secret is replaced with. */
const REDACTED = "****";

/** Shorter values would redact ordinary words and numbers all over the logs. */
const MIN_SECRET_LENGTH = 8;

/** The registered values, as given. */
const values = new Set<string>();
/** Built from every form of every value on the first redaction after a registration. */
let matcher: SecretMatcher | undefined;
let longestForm = 0;

/**
 * `…discord.com/api/webhooks/<id>/<token>` (also discordapp.com, ptb./canary. hosts and
 * `/api/v10/webhooks/…`): group 1 is everything up to the token.
 */
const DISCORD_WEBHOOK =
  /(discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/[^/\s"'\\?#]+\/)[^/\s"'\\?#]+/gi;

/** A webhook path on any host: group 1 is everything up to the token, group 2 the token. */
const WEBHOOK_PATH = /^(\/api\/(?:v\d+\/)?webhooks\/[^/]+\/)([^/]+)/;

/**
 * The base64 characters that depend on `bytes` alone when they sit `offset` (0, 1, 2)
 * bytes into a longer blob: the secret found inside any base64 text, whatever precedes it.
 */
function base64Core(bytes: Buffer, offset: number): string {
  const padded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(2)]);
  const first = Math.ceil((8 * offset) / 6);
  const end = Math.floor((8 * (offset + bytes.length)) / 6);
  return padded.toString("base64").slice(first, end);
}

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Every form a secret is looked for in: as is, JSON-escaped (log lines), HTML-escaped
 * (the dashboard), upper and lower case, hex, URL-encoded (and form-encoded), base64 and base64url alone (padded or not)
 * and at each alignment inside a longer blob. Matching ignores ASCII case, so hex and
 * percent escapes in either case are covered too.
 */
export function secretForms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const url = encodeURIComponent(value);
  const base64 = [
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    ...[0, 1, 2].map((offset) => base64Core(bytes, offset)),
  ];
  const forms = [
    value,
    JSON.stringify(value).slice(1, -1),
    value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c),
    value.toUpperCase(),
    value.toLowerCase(),
    bytes.toString("hex"),
    url,
    url.replaceAll("%20", "+"),
    ...base64,
    ...base64.map((b) => b.replaceAll("+", "-").replaceAll("/", "_")),
  ];
  return [...new Set(forms)].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** Remembers a secret (e.g. a webhook token) so redactSecrets removes it everywhere; ignores values shorter than 8 chars. */
export function registerSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || values.has(value)) return;
  values.add(value);
  matcher = undefined;
}

/** The length of the longest registered form: how far a cut must look around itself. */
export function longestSecretForm(): number {
  secretMatcher();
  return longestForm;
}

function secretMatcher(): SecretMatcher | undefined {
  if (matcher || values.size === 0) return matcher;
  const forms = [...values].flatMap(secretForms);
  longestForm = Math.max(0, ...forms.map((f) => f.length));
  matcher = new SecretMatcher(forms);
  return matcher;
}

/**
 * Replaces every registered secret in any of its forms (see secretForms), and any Discord
 * webhook token pattern (discord(app)?.com/api/webhooks/<id>/<token>), with "****".
 * Line breaks and ANSI escapes (raw or JSON-escaped) inside a secret do not hide it: the
 * whole span, breaks included, is replaced. Linear in the text's length.
 */
export function redactSecrets(text: string): string {
  const out = text.replace(DISCORD_WEBHOOK, `$1${REDACTED}`);
  const found = secretMatcher()?.find(out) ?? [];
  if (found.length === 0) return out;
  let result = "";
  let at = 0;
  for (let i = 0; i < found.length; i += 2) {
    result += out.slice(at, found[i]) + REDACTED;
    at = found[i + 1] ?? out.length;
  }
  return result + out.slice(at);
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
