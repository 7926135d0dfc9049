import { pino } from "pino";

/** One structured JSON logger for the whole service; children add per-invocation keys. */
export type Logger = pino.Logger;

export function createLogger(
  level: string = process.env.AMPA_LOG_LEVEL ?? "info",
  destination: "stdout" | "stderr" = "stdout",
): Logger {
  return pino(
    {
      level,
      base: { service: "ampa" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: destination === "stdout" ? 1 : 2, sync: true }),
  );
}

/** A logger that drops everything; for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: "silent" });

/** Narrows an unknown thrown value to an Error so its message can be used. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
