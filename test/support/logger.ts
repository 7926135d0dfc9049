import { pino } from "pino";
import { type Logger, redactingDestination } from "../../src/lib/log.js";

/**
 * A real pino logger whose JSON lines are kept for assertions. Lines go through the
 * service's own redaction, so a test sees exactly what production would write.
 */
export function capturingLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const log = pino(
    { level: "info" },
    redactingDestination((line) => void raw.push(line)),
  );
  return { log, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
