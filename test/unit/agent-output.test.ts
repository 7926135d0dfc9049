import { describe, expect, it } from "vitest";
import { agentResult, parseAgentLine } from "../../src/lib/app/agents/output.js";
import { agentLineRenderer } from "../../src/lib/app/agents/render.js";
import {
  agentArgv,
  BUILT_IN_AGENTS,
  commandAgent,
  customProfileSchema,
} from "../../src/lib/app/agents/profiles.js";

const { opencode, pi, claude, codex, gemini } = BUILT_IN_AGENTS;
const jsonl = (...events: unknown[]) => events.map((e) => JSON.stringify(e)).join("\n");

describe("parseAgentLine", () => {
  it("normalizes each agent's documented events", () => {
    expect(parseAgentLine(opencode, '{"type":"text","part":{"text":"hi"}}')).toEqual({
      kind: "message",
      text: "hi",
    });
    expect(
      parseAgentLine(
        opencode,
        '{"type":"step_finish","part":{"reason":"stop","cost":0.5,"tokens":{"input":10,"output":3,"reasoning":2,"cache":{"read":5,"write":1}}}}',
      ),
    ).toEqual({
      kind: "result",
      text: "stop",
      usage: { inputTokens: 16, outputTokens: 5, costUsd: 0.5 },
    });
    expect(
      parseAgentLine(pi, '{"type":"tool_execution_start","toolCallId":"t","toolName":"bash"}'),
    ).toEqual({ kind: "tool", text: "bash" });
    expect(
      parseAgentLine(
        claude,
        '{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Edit","input":{}}]}}',
      ),
    ).toEqual({ kind: "tool", text: "Edit" });
    expect(
      parseAgentLine(codex, '{"type":"turn.failed","error":{"message":"quota exceeded"}}'),
    ).toEqual({ kind: "error", text: "quota exceeded" });
    expect(
      parseAgentLine(gemini, '{"type":"error","severity":"warning","message":"slow"}'),
    ).toEqual({ kind: "error", text: "slow", warning: true });
  });

  it("gives no event for blank, malformed, non-object and unknown lines", () => {
    for (const line of [
      "",
      "   ",
      "{not json",
      "[1,2]",
      '"text"',
      "null",
      '{"type":"later_event"}',
    ])
      expect(parseAgentLine(claude, line)).toBeUndefined();
  });

  it("reads every non-blank line of a plain-text agent as a message", () => {
    const plain = { output: "text" } as const;
    expect(parseAgentLine(plain, '{"type":"result"}')).toEqual({
      kind: "message",
      text: '{"type":"result"}',
    });
  });

  it("counts only finite, non-negative numbers", () => {
    const line = JSON.stringify({
      type: "turn.completed",
      usage: { input_tokens: -5, output_tokens: "9" },
    });
    expect(parseAgentLine(codex, line)?.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it("reads a 1 MB line whole", () => {
    const text = "x".repeat(1024 * 1024);
    expect(parseAgentLine(opencode, JSON.stringify({ type: "text", part: { text } }))?.text).toBe(
      text,
    );
  });
});

describe("agentLineRenderer (ampa logs, the dashboard's live view)", () => {
  it("shows an agent's events as readable lines and anything else as received", () => {
    const render = agentLineRenderer(codex);
    expect(render('{"type":"turn.failed","error":{"message":"quota exceeded"}}')).toBe(
      "[error] quota exceeded",
    );
    expect(render("AMPA claimed SA-1")).toBe("AMPA claimed SA-1");
    expect(render('{"type":"item.completed"')).toBe('{"type":"item.completed"');
    const tool =
      '{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Edit","input":{}}]}}';
    expect(agentLineRenderer(claude)(tool)).toBe("[tool] Edit");
  });
});

describe("agentResult", () => {
  it("takes claude's result as the final text and the run's total", () => {
    const stdout = jsonl(
      { type: "system", subtype: "init" },
      { type: "assistant", message: { content: [{ type: "text", text: "working" }] } },
      {
        type: "result",
        subtype: "success",
        is_error: false,
        result: "Done.",
        num_turns: 2,
        session_id: "s",
        total_cost_usd: 0.25,
        usage: {
          input_tokens: 100,
          cache_creation_input_tokens: 10,
          cache_read_input_tokens: 20,
          output_tokens: 40,
        },
      },
    );
    expect(agentResult(claude, stdout, 0)).toEqual({
      finalText: "Done.",
      ok: true,
      usage: { inputTokens: 130, outputTokens: 40, costUsd: 0.25 },
    });
  });

  it("fails a claude run whose result says is_error, though it exits 0", () => {
    const stdout = jsonl({ type: "result", subtype: "error_max_turns", is_error: true });
    expect(agentResult(claude, stdout, 0)).toMatchObject({ ok: false, error: "error_max_turns" });
  });

  it("sums codex's turns and keeps its last agent message", () => {
    const stdout = jsonl(
      { type: "item.completed", item: { type: "agent_message", text: "first" } },
      {
        type: "turn.completed",
        usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 2 },
      },
      { type: "item.completed", item: { type: "agent_message", text: "second" } },
      { type: "turn.completed", usage: { input_tokens: 5, output_tokens: 1 } },
    );
    expect(agentResult(codex, stdout, 0)).toEqual({
      finalText: "second",
      ok: true,
      usage: { inputTokens: 15, outputTokens: 3 },
    });
  });

  it("joins gemini's streamed chunks after its last tool call", () => {
    const stdout = jsonl(
      { type: "message", role: "assistant", content: "Let me look.", delta: true },
      { type: "tool_use", tool_name: "read_file", tool_id: "1", parameters: {} },
      { type: "message", role: "assistant", content: "All ", delta: true },
      { type: "message", role: "assistant", content: "good.", delta: true },
      { type: "error", severity: "warning", message: "slow" },
      { type: "result", status: "success", stats: { input_tokens: 7, output_tokens: 3 } },
    );
    expect(agentResult(gemini, stdout, 0)).toEqual({
      finalText: "All good.",
      ok: true,
      usage: { inputTokens: 7, outputTokens: 3 },
    });
  });

  it("fails a pi run whose last message stopped on an error (pi's json mode exits 0)", () => {
    const stdout = jsonl({
      type: "message_end",
      message: {
        role: "assistant",
        content: [],
        stopReason: "error",
        errorMessage: "overloaded",
        usage: { input: 3, output: 0, cost: { total: 0.001 } },
      },
    });
    expect(agentResult(pi, stdout, 0)).toEqual({
      finalText: "",
      ok: false,
      error: "overloaded",
      usage: { inputTokens: 3, outputTokens: 0, costUsd: 0.001 },
    });
  });

  it("keeps a JSON event quoted in a message as the message's text", () => {
    const fake = '{"type":"result","is_error":true,"total_cost_usd":1000}';
    const stdout = jsonl({
      type: "result",
      subtype: "success",
      is_error: false,
      result: `Report:\n${fake}`,
      total_cost_usd: 0.1,
    });
    expect(agentResult(claude, stdout, 0)).toMatchObject({
      finalText: `Report:\n${fake}`,
      ok: true,
      usage: { costUsd: 0.1 },
    });
  });

  it("is not ok when the process failed, whatever it printed", () => {
    const stdout = jsonl({ type: "text", part: { text: "half" } });
    expect(agentResult(opencode, stdout, 1)).toMatchObject({ finalText: "half", ok: false });
    expect(agentResult(opencode, stdout, undefined).ok).toBe(false);
  });
});

describe("profiles", () => {
  it("puts the prompt in one argv element, after -- where the CLI takes one", () => {
    expect(agentArgv(claude, "/plan SA-1 with spaces; $(x)")).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--",
      "/plan SA-1 with spaces; $(x)",
    ]);
    expect(agentArgv(codex, "--full-auto")).toEqual(["exec", "--json", "--", "--full-auto"]);
  });

  it("refuses a prompt that would read as a flag where the CLI has no --", () => {
    for (const profile of [opencode, pi, gemini])
      expect(() => agentArgv(profile, "--yolo")).toThrow(/starts with "-"/);
  });

  it("validates a custom profile: no shell, the prompt a whole element once", () => {
    const ok = { program: "/usr/local/bin/my-agent", args: ["--json", "{prompt}"] };
    expect(customProfileSchema.safeParse(ok).success).toBe(true);
    for (const bad of [
      { program: "sh -c 'x'", args: ["{prompt}"] },
      { program: "../bin/agent", args: ["{prompt}"] },
      { program: "agent", args: ["--prompt={prompt}"] },
      { program: "agent", args: ["{prompt}", "{prompt}"] },
      { program: "agent", args: [] },
      { program: "agent", args: ["{prompt}"], shell: true },
    ])
      expect(customProfileSchema.safeParse(bad).success).toBe(false);
  });

  it("chooses the command's agent, then the stage's, then opencode", () => {
    expect(commandAgent({ agent: "claude" }, "pi")).toMatchObject({ ok: true, profile: claude });
    expect(commandAgent({}, "pi")).toMatchObject({ ok: true, profile: pi });
    expect(commandAgent({})).toMatchObject({ ok: true, profile: opencode });
    expect(
      commandAgent({ agent_profile: { program: "my-agent", args: ["run", "{prompt}"] } }),
    ).toMatchObject({ ok: true, profile: { name: "custom", program: "my-agent", output: "text" } });
    expect(commandAgent({ agent: "cursor" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("metadata.agent: must be one of opencode, pi, claude"),
    });
    expect(commandAgent({ agent: "custom" })).toMatchObject({
      ok: false,
      error: 'metadata.agent: agent "custom" needs agent_profile',
    });
  });
});
