import { pino } from "pino";
import { type Logger } from "../core/logger.js";
import { redactSecrets } from "../core/secrets.js";

export { asError, type Logger } from "../core/logger.js";

/**
 * One structured JSON logger for the whole service; children add per-invocation keys.
 * `level` is the configured one (Config.logLevel): this module reads no environment.
 */
export function createLogger(level: string, destination: "stdout" | "stderr" = "stdout"): Logger {
  const fd = pino.destination({ fd: destination === "stdout" ? 1 : 2, sync: true });
  return pino(
    {
      level,
      base: { service: "ampa" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    redactingDestination((line) => fd.write(line)),
  );
}

/**
 * A pino destination that passes each finished JSON line through `redactSecrets` before
 * `write` gets it. Redacting the serialized line (not the log arguments) also covers
 * messages, nested objects and what serializers add, such as error messages and stacks.
 */
export function redactingDestination(write: (line: string) => void): pino.DestinationStream {
  return { write: (line: string) => write(redactSecrets(line)) };
}

/** A logger that drops everything; for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: "silent" });
