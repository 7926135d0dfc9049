/**
 * The webhook token every test webhook uses. It is recognizable on purpose: the secret
 * scan (test/support/secret-scan.ts) fails any test after which it appears in a log line,
 * CLI output, error, metric, message body or stored item.
 */
export const CANARY_TOKEN = "ampa-canary-token-DO-NOT-LEAK-c1b0f7e2a94d4e6f8b3a5d7c9e1f2a4b";

/**
 * The canary's encoded forms, computed here independently of src/lib/core/secrets.ts:
 * hex, and base64 / base64url at each alignment inside a longer blob (the characters
 * that depend on the token alone). Looked for in the text with line breaks and ANSI
 * escapes (raw or JSON-escaped) removed, the token and hex in any case: a token split by
 * newlines, coloured char by char or upper-cased is caught too.
 */
export const CANARY_FORMS: readonly string[] = (() => {
  const bytes = Buffer.from(CANARY_TOKEN);
  const base64 = [0, 1, 2].map((offset) => {
    const blob = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(2)]).toString("base64");
    return blob.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
  });
  const url = base64.map((b) => b.replaceAll("+", "-").replaceAll("/", "_"));
  return [CANARY_TOKEN, bytes.toString("hex"), ...base64, ...url];
})();

const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\))/g;
const JSON_ANSI = /\\u001b(?:\[[0-?]*[ -/]*[@-~]|\].*?(?:\\u0007|\\u001b\\\\))/gi;

/** Which form of the canary `text` holds, and where; undefined when none. */
function findCanary(text: string): { form: string; at: number } | undefined {
  const plain = text.indexOf(CANARY_TOKEN);
  if (plain >= 0) return { form: "as is", at: plain };
  const flat = text
    .replace(ANSI, "")
    .replace(JSON_ANSI, "")
    .replace(/\r|\n|\\r|\\n/g, "");
  const folded = flat.toLowerCase();
  for (const [i, form] of CANARY_FORMS.entries()) {
    // The token and hex in any case; base64 is case-sensitive.
    const at = i < 2 ? folded.indexOf(form.toLowerCase()) : flat.indexOf(form);
    if (at >= 0) return { form: i === 0 ? "split/recased" : `encoded #${i}`, at: -1 };
  }
  return undefined;
}

const leaks: string[] = [];
/** How many texts were scanned, by kind (the part of `where` before the first space). */
export const scanned: Record<string, number> = {};

/** Records a leak when `text` (written to `where`) contains the canary token in any form. */
export function scanForCanary(where: string, text: string): void {
  const kind = where.split(" ")[0] ?? where;
  scanned[kind] = (scanned[kind] ?? 0) + 1;
  const found = findCanary(text);
  if (!found) return;
  const { form, at } = found;
  const excerpt = at < 0 ? "" : text.slice(Math.max(at - 60, 0), at).replace(/\s+/g, " ");
  leaks.push(`${where}: …${excerpt}<canary token, ${form}>`);
}

/** True when `text` holds the canary in any of the forms scanForCanary looks for. */
export const holdsCanary = (text: string): boolean => findCanary(text) !== undefined;

/** The leaks found since the last call, which forgets them. */
export function takeLeaks(): string[] {
  return leaks.splice(0, leaks.length);
}
