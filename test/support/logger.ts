import { pino } from "pino";
import { createLogger, type Logger, redactingDestination } from "../../src/lib/runtime/log.js";
import { scanForCanary } from "./canary.js";

/**
 * A real pino logger whose JSON lines are kept for assertions. Lines go through the
 * service's own redaction, so a test sees exactly what production would write.
 */
export function capturingLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const log = pino(
    { level: "info" },
    redactingDestination((line) => {
      scanForCanary("captured log", line);
      raw.push(line);
    }),
  );
  return { log, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/**
 * The service's own logger at the tests' level (debug: see secret-scan.ts, which scans
 * every line for the canary token and keeps them out of the report).
 */
export const testLogger: Logger = createLogger(process.env.AMPA_LOG_LEVEL ?? "info");
