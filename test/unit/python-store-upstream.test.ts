import { describe, expect, it } from "vitest";
import { spec as exportSpec } from "../../src/lib/app/python-store/export.js";
import { parsePythonStore } from "../../src/lib/app/python-store/parse.js";
import { must } from "../support/commands.js";

/**
 * A store in the shape of upstream AMPA's newest scheduler_store_example.json (our own
 * fixture: its command types, the `agent` field, `dispatches`). None of it may refuse the file.
 */
function upstreamStore() {
  const cmd = (id: string, type: string, metadata: Record<string, unknown> = {}, extra = {}) => ({
    id,
    command: type === "shell" ? "wl status" : "true",
    frequency_minutes: 30,
    priority: 0,
    requires_llm: false,
    max_runtime_minutes: 5,
    title: id,
    metadata,
    type,
    ...extra,
  });
  return {
    commands: {
      stats: cmd("stats", "shell"),
      cleanup: cmd("cleanup", "command", { truncate_chars: 65536 }),
      "wl-audit": cmd(
        "wl-audit",
        "audit",
        { audit_cooldown_hours_in_review: 1 },
        { agent: "claude" },
      ),
      delegation: cmd("delegation", "delegation", { audit_only: false }),
      intake: cmd("intake", "intake-runner"),
      plan: cmd("plan", "plan-runner"),
      auto: cmd("auto", "auto-delegate", { enabled: false, eligible_stages: ["plan_complete"] }),
      prs: cmd("prs", "pr-monitor", { max_prs: 50, dedup: true }),
      tests: cmd("tests", "test-runner"),
    },
    state: {
      stats: {
        running: false,
        last_start_ts: "2026-02-05T07:50:51.489134+00:00",
        last_run_ts: "2026-02-05T07:50:51.676005+00:00",
        last_exit_code: 0,
        run_history: [],
      },
    },
    last_global_start_ts: "2026-02-05T07:51:52.053932+00:00",
    dispatches: [{ work_item_id: "SA-1", action: "intake", ts: "2026-02-05T07:00:00+00:00" }],
  };
}

const parse = (store: unknown) =>
  parsePythonStore(JSON.stringify(store), { maxOutputBytes: 262_144 });

describe("importing upstream's newest store", () => {
  it("maps the types we run and pauses the rest with a note naming what is missing", () => {
    const parsed = parse(upstreamStore());
    const byId = Object.fromEntries(parsed.commands.map((c) => [c.spec.id, c]));
    const view = (id: string) => ({
      type: byId[id]?.spec.type,
      paused: byId[id]?.paused ?? false,
    });
    expect(view("stats")).toEqual({ type: "shell", paused: false });
    expect(view("cleanup")).toEqual({ type: "shell", paused: false });
    expect(view("wl-audit")).toEqual({ type: "review-audit", paused: false });
    expect(view("delegation")).toEqual({ type: "delegation", paused: false });
    expect(view("prs")).toEqual({ type: "pr-monitor", paused: false });
    // Stage runners run as delegation limited to their stages.
    expect(view("intake")).toEqual({ type: "delegation", paused: false });
    expect(byId.intake?.spec.metadata.stages).toEqual(["idea"]);
    expect(byId.plan?.spec.metadata.stages).toEqual(["intake_complete"]);
    expect(view("auto")).toEqual({ type: "delegation", paused: true });
    expect(view("tests")).toEqual({ type: "shell", paused: true });
    expect(byId["wl-audit"]?.spec.metadata.agent).toBe("claude");
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual(
      expect.arrayContaining([
        'commands.wl-audit.type: upstream type "audit" (its audit poller of items in review) imported as review-audit; metadata.audit_cooldown_hours_in_review dropped (upstream reads audit_cooldown_hours only: 6 h, its default); agent "claude" → metadata.agent',
        expect.stringMatching(/^commands\.auto: imported paused: needs .*eligible_priorities/),
        'commands.tests: imported paused: upstream type "test-runner" has no runner in AMPA serverless; resumed, its command would run as a shell command',
        "dispatches: 1 upstream dispatch record(s) not imported: a log of past dispatches, not claims",
      ]),
    );
    expect(parsed.warnings.some((w) => w.includes("agent: not part"))).toBe(false);
  });

  it("imports a command whose agent AMPA cannot run without that agent, saying so; refuses only an ambiguous one", () => {
    const store = upstreamStore();
    Object.assign(store.commands["wl-audit"], { agent: "Casey" });
    Object.assign(store.commands.stats, { agent: "opencode" });
    Object.assign(store.commands.intake, { agent: "pi", metadata: { agent: "gemini" } });
    const parsed = parse(store);
    expect(parsed.errors).toEqual([
      'commands.intake: not imported: agent "pi" and metadata.agent "gemini" differ',
    ]);
    const byId = Object.fromEntries(parsed.commands.map((c) => [c.spec.id, c.spec]));
    expect(Object.keys(byId)).toEqual([
      "stats",
      "cleanup",
      "wl-audit",
      "delegation",
      "plan",
      "auto",
      "prs",
      "tests",
    ]);
    expect(byId["wl-audit"]?.metadata.agent).toBeUndefined();
    expect(byId.stats?.metadata.agent).toBeUndefined();
    expect(parsed.warnings).toContainEqual(
      expect.stringContaining(
        'metadata agent "Casey": must be one of opencode, pi, claude, codex, gemini (or "custom" with agent_profile): left out; it runs the stage\'s default agent (AMPA_DEFAULT_AGENT, else opencode)',
      ),
    );
    expect(parsed.warnings).toContainEqual(
      expect.stringContaining(
        "metadata type shell runs no agent; the types that take one: delegation, triage-audit, review-audit: left out",
      ),
    );
  });

  it("a command longer than a function run may take comes in as a task; a runtime in the file is kept", () => {
    const store = upstreamStore();
    store.commands.stats.max_runtime_minutes = 90;
    Object.assign(store.commands.cleanup, { runtime: "task" });
    const parsed = parse(store);
    const byId = Object.fromEntries(parsed.commands.map((c) => [c.spec.id, c.spec]));
    expect(byId.stats?.runtime).toBe("task");
    expect(byId.cleanup?.runtime).toBe("task");
    expect(byId.prs?.runtime).toBeUndefined();
    expect(parsed.warnings).toContain(
      'commands.stats.max_runtime_minutes: 90 minutes is more than a "function" run may take; imported with runtime "task"',
    );
    expect(parsed.warnings.some((w) => w.startsWith("commands.cleanup.runtime"))).toBe(false);
    // And an export writes it back (only when set), so the next import keeps it.
    const cleanup = { ...must(byId.cleanup), paused: false };
    expect(exportSpec(cleanup)).toMatchObject({ runtime: "task" });
    expect(exportSpec({ ...cleanup, runtime: undefined })).not.toHaveProperty("runtime");
  });

  it("an upstream command disabled by metadata.enabled false comes in paused", () => {
    const store = upstreamStore();
    store.commands.prs.metadata = { enabled: false };
    const prs = parse(store).commands.find((c) => c.spec.id === "prs");
    expect(prs?.paused).toBe(true);
  });
});
