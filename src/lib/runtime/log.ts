import { isatty } from "node:tty";
import { pino } from "pino";
import type { LogFormat } from "../core/config.js";
import { type Logger } from "../core/logger.js";
import { redactSecrets } from "../core/secrets.js";

export { asError, type Logger } from "../core/logger.js";

/**
 * One structured logger for the whole service; children add per-invocation keys. `level`
 * and `format` are the configured ones (Config.logLevel, Config.logFormat): this module
 * reads no environment. JSON lines by default; `pretty` (or `auto` on a terminal) renders
 * each line for a person, coloured when the destination is a terminal.
 */
export function createLogger(
  level: string,
  destination: "stdout" | "stderr" = "stdout",
  format: LogFormat = "json",
): Logger {
  const fdNumber = destination === "stdout" ? 1 : 2;
  const fd = pino.destination({ fd: fdNumber, sync: true });
  const terminal = isatty(fdNumber);
  const pretty = format === "pretty" || (format === "auto" && terminal);
  // The formatter unescapes JSON strings: what it renders is redacted once more.
  const write = pretty
    ? (line: string) => fd.write(redactSecrets(prettyLine(line, terminal)))
    : (line: string) => fd.write(line);
  return pino(
    {
      level,
      base: { service: "ampa" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    redactingDestination(write),
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

/** ANSI SGR codes: the level's colour; keys and times dimmed. */
const LEVEL_COLOURS: Record<string, number> = {
  trace: 90,
  debug: 36,
  info: 32,
  warn: 33,
  error: 31,
  fatal: 35,
};
const DIM = 2;
/** Shown in the line's head, or the same on every line. */
const HEAD_KEYS = new Set(["level", "time", "msg", "service"]);

/**
 * One JSON log line as a person reads it:
 * `12:01:03 INFO  tick: started date (score 0.500)  commandId=date`, the time local, an
 * error's stack indented below. A line that is not a JSON object is returned as it is.
 */
export function prettyLine(json: string, colour: boolean): string {
  let entry: unknown;
  try {
    entry = JSON.parse(json);
  } catch {
    return json;
  }
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return json;
  const fields = entry as Record<string, unknown>;
  const paint = (code: number | undefined, text: string) =>
    colour && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
  const level = typeof fields.level === "string" ? fields.level : "";
  const head = [
    paint(DIM, clock(fields.time)),
    paint(LEVEL_COLOURS[level], level.toUpperCase().padEnd(5)),
    typeof fields.msg === "string" ? fields.msg : "",
  ].join(" ");
  const { stack, rest } = splitStack(fields);
  const pairs = Object.entries(rest)
    .filter(([key]) => !HEAD_KEYS.has(key))
    .map(([key, value]) => `${paint(DIM, `${key}=`)}${fieldValue(value)}`);
  const body = pairs.length > 0 ? `${head}  ${pairs.join(" ")}` : head;
  const trace = stack.map((frame) => `\n    ${paint(DIM, frame.trim())}`).join("");
  return `${body}${trace}\n`;
}

/** HH:MM:SS in local time; empty without a valid time. */
function clock(time: unknown): string {
  const date = new Date(typeof time === "string" || typeof time === "number" ? time : NaN);
  if (Number.isNaN(date.getTime())) return "";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** A serialized error (`err: {type, message, stack}`) becomes `err=<message>` and its frames. */
function splitStack(fields: Record<string, unknown>): {
  stack: string[];
  rest: Record<string, unknown>;
} {
  const err = fields.err;
  if (
    typeof err !== "object" ||
    err === null ||
    typeof (err as { message?: unknown }).message !== "string"
  )
    return { stack: [], rest: fields };
  const { message, stack } = err as { message: string; stack?: unknown };
  const frames =
    typeof stack === "string" ? stack.split("\n").filter((l) => /^\s+at /.test(l)) : [];
  return { stack: frames, rest: { ...fields, err: message } };
}

/** Bare when it reads unambiguously, JSON otherwise (spaces, quotes, objects). */
function fieldValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}
