import { appendFileSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";

const REPORT = resolve(import.meta.dirname, "../../.ampa/faults-report.jsonl");

/**
 * Prints a scenario's figures (`[faults] <scenario>: k=v …`) and appends them to
 * `.ampa/faults-report.jsonl` (local state, not committed), from which docs/reliability.md
 * quotes them. Call it before the assertions, so a failing run still shows its counts.
 */
export function report(scenario: string, figures: Record<string, number | string>): void {
  const line = Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  console.log(`[faults] ${scenario}: ${line}`);
  mkdirSync(resolve(REPORT, ".."), { recursive: true });
  appendFileSync(
    REPORT,
    `${JSON.stringify({ scenario, at: new Date().toISOString(), ...figures })}\n`,
  );
}
