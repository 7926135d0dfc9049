/**
 * The webhook token every test webhook uses. It is recognizable on purpose: the secret
 * scan (test/support/secret-scan.ts) fails any test after which it appears in a log line,
 * CLI output, error, metric, message body or stored item.
 */
export const CANARY_TOKEN = "ampa-canary-token-DO-NOT-LEAK-c1b0f7e2a94d4e6f8b3a5d7c9e1f2a4b";

/**
 * The forms a leaked secret is looked for in, computed here independently of
 * src/lib/core/secrets.ts: as is, URL-encoded, hex, and base64 / base64url at each
 * alignment inside a longer blob (the characters that depend on the secret alone). The
 * first three are compared in any case (upper-cased text, hex in either case).
 */
export function leakForms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const base64 = [0, 1, 2].map((offset) => {
    const blob = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(2)]).toString("base64");
    return blob.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
  });
  const url = base64.map((b) => b.replaceAll("+", "-").replaceAll("/", "_"));
  return [secret, encodeURIComponent(secret), bytes.toString("hex"), ...base64, ...url];
}

const CASELESS_FORMS = 3;
// ANSI escapes (CSI, OSC) are what this matches: control characters on purpose.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\))/g;
const JSON_ANSI = /\\u001b(?:\[[0-?]*[ -/]*[@-~]|\].*?(?:\\u0007|\\u001b\\\\))/gi;

/**
 * Which of `forms` (leakForms) `text` holds, and where (-1: only once line breaks and
 * ANSI escapes, raw or JSON-escaped, are removed); undefined when none.
 */
export function findLeak(
  text: string,
  forms: readonly string[],
): { form: string; at: number } | undefined {
  const plain = text.indexOf(forms[0] ?? "");
  if (plain >= 0) return { form: "as is", at: plain };
  const flat = text
    .replace(ANSI, "")
    .replace(JSON_ANSI, "")
    .replace(/\r|\n|\\r|\\n/g, "");
  const folded = flat.toLowerCase();
  for (const [i, form] of forms.entries()) {
    // Base64 is case-sensitive; the rest is compared in any case.
    const found = i < CASELESS_FORMS ? folded.includes(form.toLowerCase()) : flat.includes(form);
    if (found) return { form: i === 0 ? "split or recased" : `encoded form #${i}`, at: -1 };
  }
  return undefined;
}

const CANARY_FORMS = leakForms(CANARY_TOKEN);

const leaks: string[] = [];
/** How many texts were scanned, by kind (the part of `where` before the first space). */
export const scanned: Record<string, number> = {};

/** Records a leak when `text` (written to `where`) contains the canary token in any form. */
export function scanForCanary(where: string, text: string): void {
  const kind = where.split(" ")[0] ?? where;
  scanned[kind] = (scanned[kind] ?? 0) + 1;
  const found = findLeak(text, CANARY_FORMS);
  if (!found) return;
  const { form, at } = found;
  const excerpt = at < 0 ? "" : text.slice(Math.max(at - 60, 0), at).replace(/\s+/g, " ");
  leaks.push(`${where}: …${excerpt}<canary token${at < 0 ? `, ${form}` : ""}>`);
}

/** True when `text` holds the canary in any of the forms scanForCanary looks for. */
export const holdsCanary = (text: string): boolean => findLeak(text, CANARY_FORMS) !== undefined;

/** The leaks found since the last call, which forgets them. */
export function takeLeaks(): string[] {
  return leaks.splice(0, leaks.length);
}

/**
 * Scans of stored state to run after each test (store.ts registers one when a file creates
 * a table): the setup file runs them without importing the store's dependencies itself,
 * so a file that never opens a store does not load the AWS SDK and dynalite.
 */
const afterTestScans = new Set<() => Promise<void>>();

export function scanAfterEachTest(scan: () => Promise<void>): void {
  afterTestScans.add(scan);
}

export async function runAfterTestScans(): Promise<void> {
  for (const scan of afterTestScans) await scan();
}
