/**
 * How a line of a run's live output is shown (`ampa logs`, the dashboard's live view).
 * A renderer turns a line as received into the text to show (undefined: show nothing);
 * `shownLine` then makes whatever it returns inert: redacted, cut, with no terminal
 * control left in it. Renderers see program output: untrusted text, data only.
 */
import { cutLine } from "./live-output.js";
import { redactSecrets } from "./secrets.js";

export type LineRenderer = (line: string) => string | undefined;

/** `--raw`: each line as received (still made inert by shownLine). */
export const rawRenderer: LineRenderer = (line) => line;

/** Terminal escapes: OSC (hyperlinks, titles), CSI (colours, cursor moves), ESC x. */
const ANSI =
  // eslint-disable-next-line no-control-regex
  /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|\u001b[@-_]/g;

/** C0 and C1 controls and DEL but tab; bidi overrides and isolates; zero-width marks. */
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/**
 * Text safe to print on a terminal or put in a page's text: escape sequences removed (a
 * colour is lost, a cursor move or title change cannot happen), every other control
 * character shown as `\uXXXX`, so nothing can overwrite or hide what was printed.
 */
export function inertText(text: string): string {
  return text
    .replace(ANSI, "")
    .replace(CONTROL, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}

/** What is printed for `line`: rendered, redacted, cut and inert; undefined: nothing. */
export function shownLine(line: string, render: LineRenderer): string | undefined {
  let rendered: string | undefined;
  try {
    rendered = render(line);
  } catch {
    // A renderer that fails on a line shows it as received.
    rendered = line;
  }
  return rendered === undefined ? undefined : inertText(cutLine(redactSecrets(rendered)));
}

const MAX_DETAIL = 300;

const str = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v : undefined;

const short = (text: string) => {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > MAX_DETAIL ? `${one.slice(0, MAX_DETAIL)}…` : one;
};

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;

/** The text of a message-like value: a string, `{text}`, or content blocks of `{text}`. */
function textOf(v: unknown): string | undefined {
  if (str(v)) return str(v);
  if (Array.isArray(v)) {
    const parts = v.map((b) => str(obj(b)?.text)).filter((t): t is string => t !== undefined);
    return parts.length > 0 ? parts.join(" ") : undefined;
  }
  const o = obj(v);
  return o ? (str(o.text) ?? textOf(o.content)) : undefined;
}

/** The tool a tool-call event names, and a short view of its input. */
function toolOf(e: Obj): string | undefined {
  const part = obj(e.part) ?? e;
  const name =
    str(part.tool) ??
    str(part.tool_name) ??
    (str(e.type)?.includes("tool") ? str(part.name) : undefined);
  if (!name) return undefined;
  const input = part.input ?? part.args ?? part.arguments ?? obj(part.state)?.input;
  const detail =
    input === undefined
      ? ""
      : ` ${short(typeof input === "string" ? input : JSON.stringify(input))}`;
  return `tool ${name}${detail}`;
}

function errorOf(e: Obj): string | undefined {
  const err = e.error;
  const message = str(err) ?? str(obj(err)?.message) ?? str(obj(obj(err)?.data)?.message);
  if (message) return `error: ${short(message)}`;
  return str(e.type)?.toLowerCase().includes("error")
    ? `error: ${short(str(e.message) ?? "")}`
    : undefined;
}

/**
 * The default: a JSON object line with a string `type` (the event streams of agents run
 * with `--mode json`, `--output-format stream-json`, `--json`) shown as a readable line:
 * an error, a tool call with its input, or the message's text; any other line as is.
 * Generic on purpose: exact parsers per agent come with the agent profiles. Nothing a
 * line says changes what happens next (the run ends when its record says so).
 */
export const eventRenderer: LineRenderer = (line) => {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return line;
  let event: Obj | undefined;
  try {
    event = obj(JSON.parse(trimmed));
  } catch {
    return line;
  }
  const type = event && str(event.type);
  if (!event || !type) return line;
  const said =
    errorOf(event) ??
    toolOf(event) ??
    textOf(event.message) ??
    textOf(event.content) ??
    textOf(event.text) ??
    textOf(obj(event.part)?.text) ??
    textOf(event.delta) ??
    str(event.result);
  return said === undefined ? `[${type}]` : `[${type}] ${said}`;
};
