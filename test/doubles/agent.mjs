// Test double for the coding agents AMPA runs: opencode, pi, claude, codex and gemini,
// which one given by AGENT_DOUBLE_NAME (set by its wrapper in the doubles' bin dir). Each
// checks its argv as the real CLI documents it (a wrong flag is refused as the CLI would)
// and answers in that CLI's own machine-readable output (docs/worklog.md, "Agents"):
//   opencode run --format json <prompt>                      JSONL: step_start, text, step_finish
//   opencode run <prompt>                                    plain text (the summarizer)
//   pi -p --mode json <prompt>                               JSONL: session, agent_*, message_end
//   claude -p --output-format stream-json --verbose -- <p>   JSONL: system, assistant, result
//   claude -p --output-format json -- <p>                    one result object
//   codex exec --json -- <prompt>                            JSONL: thread/turn/item events
//   gemini --output-format stream-json -p <prompt>           JSONL: init, message, result
// <agent>.json holds {responses: [{prefix, stdout?, stderr?, exit?, error?, usage?,
// malformed?, raw?, sleepMs?, wl?}], default?}; the first response whose prefix starts the
// prompt wins. `stdout` is the agent's final message, `usage` {input, output, cost} what it
// reports, `error` a failure reported in its output, `malformed` a broken line before the
// answer, `raw` stdout written as is, `wl` argv the agent runs with the `wl` on PATH first.
import { spawnSync } from "node:child_process";
import { readFixture, record, sleep, writeOut } from "./common.mjs";

const agent = process.env.AGENT_DOUBLE_NAME ?? "opencode";
record(agent);
const argv = process.argv.slice(2);

function refuse(message, code) {
  writeOut(2, `${message}\n`);
  process.exit(code);
}

/** [format, prompt] from the documented argv; anything else is refused. */
function parseArgv() {
  const same = (expected) =>
    argv.length === expected.length + 1 && expected.every((a, i) => argv[i] === a);
  const last = argv.at(-1) ?? "";
  switch (agent) {
    case "opencode":
      if (same(["run", "--format", "json"])) return ["json", last];
      if (argv.length === 2 && argv[0] === "run") return ["text", last];
      return refuse(`opencode: unknown arguments ${JSON.stringify(argv)}`, 1);
    case "pi":
      if (same(["-p", "--mode", "json"]) && !last.startsWith("-")) return ["json", last];
      return refuse(`pi: unexpected arguments ${JSON.stringify(argv)}`, 1);
    case "claude":
      if (same(["-p", "--output-format", "stream-json", "--verbose", "--"]))
        return ["stream", last];
      if (same(["-p", "--output-format", "json", "--"])) return ["json", last];
      // Print mode refuses stream-json without --verbose.
      if (same(["-p", "--output-format", "stream-json", "--"]))
        return refuse(
          "Error: When using --print, --output-format=stream-json requires --verbose",
          1,
        );
      return refuse(`claude: unknown arguments ${JSON.stringify(argv)}`, 1);
    case "codex":
      if (same(["exec", "--json", "--"])) return ["json", last];
      return refuse(`codex: unexpected arguments ${JSON.stringify(argv)}`, 2);
    case "gemini":
      if (same(["--output-format", "stream-json", "-p"]) && !last.startsWith("-"))
        return ["stream", last];
      return refuse(`gemini: invalid arguments ${JSON.stringify(argv)}`, 42);
    default:
      return refuse(`no such agent double ${agent}`, 90);
  }
}

const line = (event) => `${JSON.stringify(event)}\n`;

/** The documented output of each agent for a final message, its usage and a failure. */
function render(format, text, usage, error) {
  const { input, output, cost } = usage;
  switch (agent) {
    case "opencode": {
      if (format === "text") return text;
      const base = { timestamp: 1767225600000, sessionID: "ses_double" };
      if (error)
        return line({
          ...base,
          type: "error",
          error: { name: "APIError", data: { message: error } },
        });
      return [
        line({ ...base, type: "step_start", part: { type: "step-start" } }),
        line({ ...base, type: "text", part: { type: "text", text } }),
        line({
          ...base,
          type: "step_finish",
          part: {
            type: "step-finish",
            reason: "stop",
            cost,
            tokens: { input, output, reasoning: 0, cache: { read: 0, write: 0 } },
          },
        }),
      ].join("");
    }
    case "pi": {
      const message = {
        role: "assistant",
        content: error ? [] : [{ type: "text", text }],
        api: "anthropic-messages",
        provider: "anthropic",
        model: "double",
        usage: {
          input,
          output,
          cacheRead: 0,
          cacheWrite: 0,
          totalTokens: input + output,
          cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: cost },
        },
        stopReason: error ? "error" : "stop",
        ...(error ? { errorMessage: error } : {}),
        timestamp: 1767225600000,
      };
      return [
        line({
          type: "session",
          version: 3,
          id: "double",
          timestamp: "2026-01-01T00:00:00Z",
          cwd: process.cwd(),
        }),
        line({ type: "agent_start" }),
        line({ type: "turn_start" }),
        line({ type: "message_start", message: { ...message, content: [] } }),
        line({ type: "message_end", message }),
        line({ type: "turn_end", message, toolResults: [] }),
        line({ type: "agent_end", messages: [message] }),
      ].join("");
    }
    case "claude": {
      const result = {
        type: "result",
        subtype: error ? "error_during_execution" : "success",
        is_error: Boolean(error),
        duration_ms: 1000,
        num_turns: 1,
        result: error ?? text,
        session_id: "double",
        total_cost_usd: cost,
        usage: {
          input_tokens: input,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: output,
        },
      };
      if (format === "json") return line(result);
      return [
        line({ type: "system", subtype: "init", session_id: "double", tools: [], model: "double" }),
        line({
          type: "assistant",
          message: { role: "assistant", content: [{ type: "text", text }] },
          session_id: "double",
        }),
        line(result),
      ].join("");
    }
    case "codex":
      return [
        line({ type: "thread.started", thread_id: "double" }),
        line({ type: "turn.started" }),
        ...(error
          ? [line({ type: "turn.failed", error: { message: error } })]
          : [
              line({ type: "item.completed", item: { id: "item_0", type: "agent_message", text } }),
              line({
                type: "turn.completed",
                usage: { input_tokens: input, cached_input_tokens: 0, output_tokens: output },
              }),
            ]),
      ].join("");
    case "gemini": {
      const ts = "2026-01-01T00:00:00.000Z";
      const stats = {
        total_tokens: input + output,
        input_tokens: input,
        output_tokens: output,
        cached: 0,
        input,
        duration_ms: 1000,
        tool_calls: 0,
        models: {},
      };
      return [
        line({ type: "init", timestamp: ts, session_id: "double", model: "double" }),
        line({ type: "message", timestamp: ts, role: "user", content: "(prompt)" }),
        ...(error
          ? [
              line({
                type: "result",
                timestamp: ts,
                status: "error",
                error: { type: "ApiError", message: error },
                stats,
              }),
            ]
          : [
              line({
                type: "message",
                timestamp: ts,
                role: "assistant",
                content: text,
                delta: true,
              }),
              line({ type: "result", timestamp: ts, status: "success", stats }),
            ]),
      ].join("");
    }
  }
  return text;
}

const [format, prompt] = parseArgv();
const fixture = readFixture(`${agent}.json`, {});
const response = (fixture.responses ?? []).find((r) => prompt.startsWith(r.prefix)) ??
  fixture.default ?? { stdout: `done: ${prompt.slice(0, 60)}\n` };
if (response.sleepMs) await sleep(response.sleepMs);
for (const args of response.wl ?? []) {
  const ran = spawnSync("wl", args, { stdio: "ignore" });
  if (ran.status !== 0) {
    writeOut(2, `wl ${args.join(" ")} failed (${ran.status ?? ran.error?.message})\n`);
    process.exit(1);
  }
}
const usage = { input: 1200, output: 340, cost: 0.0125, ...response.usage };
if (response.malformed) writeOut(1, '{"type": "text", "part": {"text": "cut off\n');
if (response.raw !== undefined) writeOut(1, response.raw);
else if (response.stdout || response.error)
  writeOut(1, render(format, response.stdout ?? "", usage, response.error));
if (response.stderr) writeOut(2, response.stderr);
// The CLIs exit non-zero when their run failed (pi's json mode excepted: it exits 0).
process.exit(response.exit ?? (response.error && agent !== "pi" ? 1 : 0));
