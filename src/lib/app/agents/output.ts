import type { AgentProfile, OutputFormat } from "./profiles.js";

/**
 * Reading an agent's stdout (profiles.ts names each one's format). Pure: a line in, an
 * event out. Everything an agent prints is untrusted data: a line that is not a JSON
 * object of a known shape is no event, numbers count only when finite and non-negative,
 * and text stays text (a JSON event quoted inside a message is part of the message: JSONL
 * escapes newlines in strings, so it cannot start a line of its own).
 */

export interface AgentUsage {
  inputTokens: number;
  outputTokens: number;
  /** Only when the agent reports it (claude, opencode, pi). */
  costUsd?: number;
}

export interface AgentEvent {
  kind: "message" | "tool" | "error" | "result";
  text: string;
  /** Usage this event reports (a step's, a turn's, or the whole run's for claude's result). */
  usage?: AgentUsage;
  /** An error the agent carries on from (a retry, a warning): not a failed run. */
  warning?: boolean;
}

export interface AgentResult {
  /** The agent's final message (its whole stdout for a plain-text profile). */
  finalText: string;
  /** Exit 0 and no failure reported in the output. */
  ok: boolean;
  /** The first failure the output reports (its text is the agent's: untrusted). */
  error?: string;
  usage?: AgentUsage;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const count = (v: unknown): number =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
const obj = (v: unknown): Json => (isObject(v) ? v : {});

function usage(inputTokens: number, outputTokens: number, cost?: unknown): AgentUsage {
  const costUsd = typeof cost === "number" && Number.isFinite(cost) && cost >= 0 ? cost : undefined;
  return { inputTokens, outputTokens, ...(costUsd === undefined ? {} : { costUsd }) };
}

/** Text blocks of a message's content (claude's and pi's `[{type:"text",text}]`). */
const textBlocks = (content: unknown): string =>
  Array.isArray(content)
    ? content
        .filter((b) => isObject(b) && b.type === "text")
        .map((b) => str((b as Json).text))
        .join("")
    : str(content);

const toolNames = (content: unknown): string[] =>
  Array.isArray(content)
    ? content.filter((b) => isObject(b) && b.type === "tool_use").map((b) => str((b as Json).name))
    : [];

/** opencode `run --format json` (one event per line; tokens and cost on step_finish). */
function opencodeEvent(e: Json): AgentEvent | undefined {
  const part = obj(e.part);
  switch (e.type) {
    case "text":
      return { kind: "message", text: str(part.text) };
    case "tool_use":
      return { kind: "tool", text: str(part.tool) };
    case "step_finish": {
      const t = obj(part.tokens);
      const cache = obj(t.cache);
      const u = usage(
        count(t.input) + count(cache.read) + count(cache.write),
        count(t.output) + count(t.reasoning),
        part.cost,
      );
      return { kind: "result", text: str(part.reason), usage: u };
    }
    case "error": {
      const err = obj(e.error);
      return {
        kind: "error",
        text: str(obj(err.data).message) || str(err.message) || str(err.name),
      };
    }
    default:
      return undefined;
  }
}

/** pi `--mode json` (session events; each assistant message carries its usage and cost). */
function piEvent(e: Json): AgentEvent | undefined {
  switch (e.type) {
    case "message_end": {
      const m = obj(e.message);
      if (m.role !== "assistant") return undefined;
      const u = obj(m.usage);
      const cost = obj(u.cost).total;
      const used = usage(
        count(u.input) + count(u.cacheRead) + count(u.cacheWrite),
        count(u.output),
        cost,
      );
      if (m.stopReason === "error" || m.stopReason === "aborted")
        return {
          kind: "error",
          text: str(m.errorMessage) || `request ${str(m.stopReason)}`,
          usage: used,
        };
      return { kind: "message", text: textBlocks(m.content), usage: used };
    }
    case "tool_execution_start":
      return { kind: "tool", text: str(e.toolName) };
    case "auto_retry_start":
      return { kind: "error", text: str(e.errorMessage), warning: true };
    case "agent_end":
      return { kind: "result", text: "" };
    default:
      return undefined;
  }
}

/** Claude Code `--output-format stream-json` (its last line, and `json`'s one object: `result`). */
function claudeEvent(e: Json): AgentEvent | undefined {
  switch (e.type) {
    case "assistant": {
      const m = obj(e.message);
      const tools = toolNames(m.content);
      const text = textBlocks(m.content);
      if (!text && tools.length) return { kind: "tool", text: tools.join(", ") };
      return { kind: "message", text };
    }
    case "result": {
      const u = obj(e.usage);
      const used = usage(
        count(u.input_tokens) +
          count(u.cache_creation_input_tokens) +
          count(u.cache_read_input_tokens),
        count(u.output_tokens),
        e.total_cost_usd,
      );
      const failed =
        e.is_error === true || (typeof e.subtype === "string" && e.subtype !== "success");
      return {
        kind: failed ? "error" : "result",
        text: str(e.result) || str(e.subtype),
        usage: used,
      };
    }
    default:
      return undefined;
  }
}

/** Codex `exec --json` (thread events; usage on turn.completed, no cost). */
function codexEvent(e: Json): AgentEvent | undefined {
  switch (e.type) {
    case "item.started":
    case "item.completed": {
      const item = obj(e.item);
      // `type` now; `item_type` in the first releases of the format.
      const kind = str(item.type) || str(item.item_type);
      if (kind === "agent_message" || kind === "assistant_message")
        return e.type === "item.completed" ? { kind: "message", text: str(item.text) } : undefined;
      if (
        kind === "command_execution" ||
        kind === "mcp_tool_call" ||
        kind === "file_change" ||
        kind === "web_search"
      )
        return e.type === "item.started"
          ? { kind: "tool", text: str(item.command) || str(item.tool) || kind }
          : undefined;
      if (kind === "error") return { kind: "error", text: str(item.message) };
      return undefined;
    }
    case "turn.completed": {
      const u = obj(e.usage);
      // input_tokens already counts the cached ones (cached_input_tokens is a part of it).
      return {
        kind: "result",
        text: "",
        usage: usage(count(u.input_tokens), count(u.output_tokens)),
      };
    }
    case "turn.failed":
      return { kind: "error", text: str(obj(e.error).message) };
    case "error":
      return { kind: "error", text: str(e.message) };
    default:
      return undefined;
  }
}

/** Gemini CLI `--output-format stream-json` (init, message, tool_use, tool_result, error, result). */
function geminiEvent(e: Json): AgentEvent | undefined {
  switch (e.type) {
    case "message":
      return e.role === "assistant" ? { kind: "message", text: str(e.content) } : undefined;
    case "tool_use":
      return { kind: "tool", text: str(e.tool_name) };
    case "error":
      return {
        kind: "error",
        text: str(e.message),
        ...(e.severity === "warning" ? { warning: true } : {}),
      };
    case "result": {
      const s = obj(e.stats);
      const used = usage(count(s.input_tokens), count(s.output_tokens));
      if (e.status === "error")
        return { kind: "error", text: str(obj(e.error).message) || "failed", usage: used };
      return { kind: "result", text: "", usage: used };
    }
    default:
      return undefined;
  }
}

const READERS: Record<Exclude<OutputFormat, "text">, (e: Json) => AgentEvent | undefined> = {
  "opencode-json": opencodeEvent,
  "pi-json": piEvent,
  "claude-stream-json": claudeEvent,
  "codex-json": codexEvent,
  "gemini-stream-json": geminiEvent,
};

/**
 * One line of an agent's stdout as an event, or undefined when it is none (blank, not
 * JSON, not an object, or an event AMPA does not show). A plain-text profile's every
 * non-blank line is a message.
 */
export function parseAgentLine(
  profile: Pick<AgentProfile, "output">,
  line: string,
): AgentEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed) return undefined;
  if (profile.output === "text") return { kind: "message", text: line };
  if (!trimmed.startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  return isObject(parsed) ? READERS[profile.output](parsed) : undefined;
}

const add = (a: AgentUsage | undefined, b: AgentUsage): AgentUsage => {
  const cost =
    a?.costUsd === undefined && b.costUsd === undefined
      ? undefined
      : (a?.costUsd ?? 0) + (b.costUsd ?? 0);
  return usage(
    (a?.inputTokens ?? 0) + b.inputTokens,
    (a?.outputTokens ?? 0) + b.outputTokens,
    cost,
  );
};

/**
 * What a run came to: its final message, whether it went well, and its usage. The final
 * message is the last assistant message (claude: the result's text; gemini: the assistant
 * chunks since the last tool call). Usage is summed over steps and turns, except claude's
 * result, which is already the run's total.
 */
export function agentResult(
  profile: Pick<AgentProfile, "output">,
  stdout: string,
  exitCode: number | undefined,
): AgentResult {
  if (profile.output === "text") return { finalText: stdout.trim(), ok: exitCode === 0 };
  let finalText = "";
  let error: string | undefined;
  let total: AgentUsage | undefined;
  let streaming = false;
  for (const line of stdout.split("\n")) {
    const event = parseAgentLine(profile, line);
    if (!event) continue;
    if (event.kind === "message") {
      // Gemini streams its answer in chunks; the others send whole messages.
      const chunk = profile.output === "gemini-stream-json";
      if (event.text) finalText = chunk && streaming ? finalText + event.text : event.text;
      streaming = chunk;
    } else if (event.kind === "tool") streaming = false;
    if (event.kind === "error" && !event.warning) error ??= event.text || "failed";
    if (profile.output === "claude-stream-json" && event.usage) {
      // Claude's result is the run's total and its final text.
      total = event.usage;
      if (event.text && event.kind === "result") finalText = event.text;
    } else if (event.usage) total = add(total, event.usage);
  }
  return {
    finalText: finalText.trim(),
    ok: exitCode === 0 && error === undefined,
    ...(error === undefined ? {} : { error }),
    ...(total ? { usage: total } : {}),
  };
}
