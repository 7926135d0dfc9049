import { pino } from "pino";
import type { Logger } from "../../src/lib/log.js";

/** A real pino logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => void raw.push(line) });
  return { log, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
