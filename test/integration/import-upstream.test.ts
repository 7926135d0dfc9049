import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { runCli } from "../support/cli.js";
import { createDoubles, delegable } from "../support/doubles.js";
import { createTestTable, startTestServer } from "../support/store.js";

/** `ampa import` of a store in upstream's newest shape (our own fixture) succeeds. */

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A command as upstream's store holds it. */
const cmd = (id: string, type: string, extra: Record<string, unknown> = {}) => ({
  id,
  command: "true",
  frequency_minutes: 60,
  priority: 0,
  requires_llm: false,
  max_runtime_minutes: 10,
  metadata: {},
  type,
  ...extra,
});

/** `ampa import <args>` of an upstream store holding `commands`, into a table of its own. */
async function runImport(
  commands: Record<string, unknown>,
  rest: Record<string, unknown> = {},
  args: string[] = ["--json"],
): Promise<{ env: Record<string, string>; imported: Awaited<ReturnType<typeof runCli>> }> {
  const t = await createTestTable(server.endpoint);
  const env = { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: t.tableName };
  const file = join(mkdtempSync(join(tmpdir(), "ampa-upstream-")), "scheduler_store.json");
  writeFileSync(file, JSON.stringify({ commands, state: {}, ...rest }));
  return { env, imported: await runCli(["import", file, ...args], env) };
}

/** runImport of a store that imports whole. */
async function importUpstream(
  commands: Record<string, unknown>,
  rest: Record<string, unknown> = {},
): Promise<{ env: Record<string, string>; imported: Awaited<ReturnType<typeof runCli>> }> {
  const result = await runImport(commands, rest);
  expect(result.imported.stderr).toBe("");
  expect(result.imported.code).toBe(0);
  return result;
}

/** The stored commands, by id: their type, metadata and whether paused. */
async function stored(env: Record<string, string>) {
  const list = JSON.parse((await runCli(["list", "--json"], env)).stdout) as {
    id: string;
    type: string;
    paused: boolean;
    metadata: Record<string, unknown>;
  }[];
  return Object.fromEntries(
    list.map(({ id, type, paused, metadata }) => [id, { type, paused, metadata }]),
  );
}

describe("ampa import of upstream's newest store", () => {
  it("imports every command, the unsupported ones paused, and says why", async () => {
    const { env, imported } = await importUpstream(
      {
        "wl-audit": cmd("wl-audit", "audit"),
        "pr-monitor": cmd("pr-monitor", "pr-monitor", { metadata: { dedup: true, max_prs: 50 } }),
        "auto-delegate": cmd("auto-delegate", "auto-delegate"),
        "test-runner": cmd("test-runner", "test-runner"),
      },
      { last_global_start_ts: "2026-02-05T07:51:52.053932+00:00", dispatches: {} },
    );
    const summary = JSON.parse(imported.stdout) as { warnings: string[] };
    expect(summary.warnings).toContain(
      "dispatches: 0 upstream dispatch record(s) not imported: a log of past dispatches, not claims",
    );
    const list = JSON.parse((await runCli(["list", "--json"], env)).stdout) as {
      id: string;
      type: string;
      paused: boolean;
    }[];
    expect(list.map(({ id, type, paused }) => ({ id, type, paused }))).toEqual([
      { id: "auto-delegate", type: "delegation", paused: true },
      { id: "pr-monitor", type: "pr-monitor", paused: false },
      { id: "test-runner", type: "shell", paused: true },
      { id: "wl-audit", type: "review-audit", paused: false },
    ]);
  });

  it("keeps what upstream's settings meant: switches, the audit cooldown, the dispatch bound", async () => {
    const { env, imported } = await importUpstream({
      // Its operator switched live delegation off (`ampa delegation --auto-assign no`).
      delegation: cmd("delegation", "delegation", {
        metadata: { auto_assign_enabled: false, audit_only: false },
      }),
      intake: cmd("intake", "intake-runner", { metadata: { max_retries: 2, audit_only: "Yes" } }),
      "wl-audit": cmd("wl-audit", "audit", {
        metadata: { audit_cooldown_hours: 6, audit_cooldown_hours_in_review: 1 },
      }),
    });
    const { warnings } = JSON.parse(imported.stdout) as { warnings: string[] };
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^commands\.delegation\.type: .*metadata\.auto_assign_enabled is false: reports only, dispatches nothing/,
        ),
        expect.stringMatching(/^commands\.intake\.type: .*metadata\.audit_only "Yes" read as true/),
        expect.stringMatching(
          /^commands\.intake\.type: .*metadata\.max_retries 2 → max_attempts 2/,
        ),
        expect.stringMatching(
          /^commands\.wl-audit\.type: .*metadata\.audit_cooldown_hours_in_review dropped \(upstream reads audit_cooldown_hours only: 6 h\)/,
        ),
      ]),
    );
    const list = JSON.parse((await runCli(["list", "--json"], env)).stdout) as {
      id: string;
      metadata: Record<string, unknown>;
    }[];
    expect(Object.fromEntries(list.map((c) => [c.id, c.metadata]))).toEqual({
      delegation: { auto_assign_enabled: false, audit_only: false },
      intake: { audit_only: true, max_attempts: 2, stages: ["idea"] },
      "wl-audit": { audit_cooldown_hours: 6 },
    });

    // The switched-off delegation reports the item it would take, and dispatches nothing.
    const d = createDoubles({ wl: { items: [delegable({ id: "SA-1", title: "Fix login" })] } });
    const run = await runCli(["run-once", "delegation"], { ...env, ...d.env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Top candidate:\n- Fix login - SA-1");
    expect(run.stdout).toContain("Delegation: skipped (audit_only)");
    expect(d.calls().map((c) => c.program)).not.toContain("opencode");
    expect(d.wlState().items[0]?.assignee).toBe("");
  });

  it("takes each command's agent into metadata.agent; one AMPA cannot run is left out, not its command; agents that differ are refused", async () => {
    const { env, imported } = await runImport({
      // Upstream's own field: top-level `agent`.
      planner: cmd("planner", "plan-runner", { agent: "claude" }),
      "wl-audit": cmd("wl-audit", "audit", { agent: "Casey" }),
      // An opencode persona upstream named, not a coding agent.
      intake: cmd("intake", "intake-runner", { agent: "Riley", metadata: { max_retries: 2 } }),
      // A shell command runs no agent, whoever upstream probed for it.
      nightly: cmd("nightly", "command", { agent: "codex" }),
      mixed: cmd("mixed", "delegation", { agent: "pi", metadata: { agent: "gemini" } }),
      plain: cmd("plain", "command", { agent: null }),
    });
    expect(imported.code).toBe(1);
    const summary = JSON.parse(imported.stdout) as {
      commands: { id: string; action: string }[];
      errors: string[];
      warnings: string[];
    };
    expect(summary.errors).toEqual([
      'commands.mixed: not imported: agent "pi" and metadata.agent "gemini" differ',
    ]);
    expect(summary.commands.map((c) => c.id).sort()).toEqual([
      "intake",
      "nightly",
      "plain",
      "planner",
      "wl-audit",
    ]);
    expect(summary.warnings).toContainEqual(
      expect.stringMatching(/^commands\.planner\.type: .*agent "claude" → metadata\.agent/),
    );
    expect(summary.warnings).toContainEqual(
      expect.stringMatching(
        /^commands\.wl-audit\.type: .*metadata agent "Casey": must be one of .*: left out; it runs the stage's default agent/,
      ),
    );
    expect(summary.warnings).toContainEqual(
      expect.stringMatching(/^commands\.nightly\.type: .*type shell runs no agent.*: left out$/),
    );
    const commands = await stored(env);
    expect(Object.keys(commands).sort()).toEqual([
      "intake",
      "nightly",
      "plain",
      "planner",
      "wl-audit",
    ]);
    expect(commands.planner).toMatchObject({
      type: "delegation",
      paused: false,
      metadata: { agent: "claude", stages: ["intake_complete"] },
    });
    for (const id of ["wl-audit", "intake", "nightly", "plain"])
      expect(commands[id]?.metadata.agent, id).toBeUndefined();
  });

  it("the summary lists what was left out, and a dry run writes nothing", async () => {
    const { env, imported } = await runImport(
      {
        mixed: cmd("mixed", "delegation", { agent: "pi", metadata: { agent: "gemini" } }),
        ok: cmd("ok", "command"),
      },
      {},
      ["--dry-run"],
    );
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain(
      [
        "Not imported (1; fix them in the file and import again):",
        '  commands.mixed: not imported: agent "pi" and metadata.agent "gemini" differ',
      ].join("\n"),
    );
    expect(imported.stdout).toContain("Commands: 1 new, 0 updated, 0 unchanged.");
    expect(await stored(env)).toEqual({});
  });
});

describe("ampa import of our own export", () => {
  it("imports a command whose type runs no agent without the agent its metadata names, saying so", async () => {
    // As `ampa export` writes them: our types, the agent in metadata.
    const { env, imported } = await runImport({
      hello: cmd("hello", "shell", { metadata: { agent: "claude" } }),
      beat: cmd("beat", "heartbeat", {
        metadata: { agent_profile: { program: "x", args: ["{prompt}"] } },
      }),
      triage: cmd("triage", "triage-audit", { metadata: { agent: "gemini" } }),
    });
    expect(imported.code).toBe(0);
    const summary = JSON.parse(imported.stdout) as { errors: string[]; warnings: string[] };
    expect(summary.errors).toEqual([]);
    expect(summary.warnings.filter((w) => w.includes("runs no agent"))).toHaveLength(2);
    expect(await stored(env)).toEqual({
      hello: { type: "shell", paused: false, metadata: {} },
      beat: { type: "heartbeat", paused: false, metadata: {} },
      triage: { type: "triage-audit", paused: false, metadata: { agent: "gemini" } },
    });
  });
});
