/**
 * The webhook token every test webhook uses. It is recognizable on purpose: the secret
 * scan (test/support/secret-scan.ts) fails any test after which it appears in a log line,
 * CLI output, error, metric, message body or stored item.
 */
export const CANARY_TOKEN = "ampa-canary-token-DO-NOT-LEAK-c1b0f7e2a94d4e6f8b3a5d7c9e1f2a4b";

const leaks: string[] = [];
/** How many texts were scanned, by kind (the part of `where` before the first space). */
export const scanned: Record<string, number> = {};

/** Records a leak when `text` (written to `where`) contains the canary token. */
export function scanForCanary(where: string, text: string): void {
  const kind = where.split(" ")[0] ?? where;
  scanned[kind] = (scanned[kind] ?? 0) + 1;
  const at = text.indexOf(CANARY_TOKEN);
  if (at < 0) return;
  const excerpt = text.slice(Math.max(at - 60, 0), at).replace(/\s+/g, " ");
  leaks.push(`${where}: …${excerpt}<canary token>`);
}

/** The leaks found since the last call, which forgets them. */
export function takeLeaks(): string[] {
  return leaks.splice(0, leaks.length);
}
