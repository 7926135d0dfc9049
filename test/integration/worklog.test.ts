import { afterEach, describe, expect, it } from "vitest";
import { runTool } from "../../src/lib/adapters/process/tool.js";
import { runLiveDelegation } from "../../src/lib/app/worklog/delegation.js";
import { Worklog, WorklogError } from "../../src/lib/app/worklog/wl.js";
import { createDoubles, type Doubles, pwnedFiles, workItem } from "../support/doubles.js";

const saved = { PATH: process.env.PATH, AMPA_DOUBLES_DIR: process.env.AMPA_DOUBLES_DIR };
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.AMPA_DOUBLES_DIR === undefined) delete process.env.AMPA_DOUBLES_DIR;
  else process.env.AMPA_DOUBLES_DIR = saved.AMPA_DOUBLES_DIR;
});

/** The doubles on this process's PATH, and a Worklog adapter using them. */
function setup(d: Doubles, timeoutMs = 10_000): Worklog {
  process.env.PATH = d.env.PATH;
  process.env.AMPA_DOUBLES_DIR = d.dir;
  return new Worklog({ run: runTool, cwd: d.dir, timeoutMs });
}

const liveDeps = (d: Doubles, wl: Worklog) => ({
  wl,
  runTool,
  opencode: () => ({ cwd: d.dir, timeoutMs: 10_000 }),
});

describe("Worklog adapter", () => {
  it("runs wl with --json as argv in the configured directory", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-1", status: "in-progress" })] } });
    const wl = setup(d);
    expect((await wl.inProgress()).map((i) => i.id)).toEqual(["SA-1"]);
    expect(d.calls()).toEqual([{ program: "wl", argv: ["in_progress", "--json"], cwd: d.dir }]);
  });

  it("turns a stderr JSON error into a WorklogError with wl's message", async () => {
    const wl = setup(createDoubles({ wl: { items: [] } }));
    await expect(wl.show("SA-404")).rejects.toThrow("wl show failed: Work item not found: SA-404");
  });

  it("reports an uninitialized repository with wl's message", async () => {
    const wl = setup(createDoubles({ wl: { initialized: false } }));
    await expect(wl.next()).rejects.toThrow(/Worklog system is not initialized/);
  });

  it("reports invalid JSON on stdout", async () => {
    const wl = setup(
      createDoubles({ wl: { overrides: { "next --json": { stdout: "not json {" } } } }),
    );
    await expect(wl.next()).rejects.toThrow(/wl next returned invalid JSON/);
  });

  it("reports a non-JSON argument error with its stderr", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-1" })] } });
    const wl = setup(d);
    await expect(wl.json(["comment", "add", "SA-1", "--comment", "x"])).rejects.toThrow(
      /required option '-a, --author <author>' not specified/,
    );
  });

  it("retries wl in_progress --json once before giving up", async () => {
    const failure = { stderr: '{"success":false,"error":"database is locked"}', exit: 1 };
    const items = [workItem({ id: "SA-1", status: "in-progress" })];
    const once = createDoubles({
      wl: { items, overrides: { "in_progress --json": [failure, "fallthrough"] } },
    });
    expect((await setup(once).inProgress()).map((i) => i.id)).toEqual(["SA-1"]);
    expect(once.calls()).toHaveLength(2);

    const always = createDoubles({ wl: { items, overrides: { "in_progress --json": failure } } });
    await expect(setup(always).inProgress()).rejects.toThrow(/database is locked/);
    expect(always.calls()).toHaveLength(2);
  });

  it("says wl is not on PATH when it is missing", async () => {
    const wl = setup(createDoubles({}, { omit: ["wl"] }));
    const err = await wl.inProgress().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorklogError);
    expect((err as Error).message).toBe("wl is not on PATH");
  });

  it("kills wl when it hangs past its timeout and says so", async () => {
    const d = createDoubles({ wl: { overrides: { "next --json": { sleepMs: 20_000 } } } });
    const wl = setup(d, 500);
    await expect(wl.next()).rejects.toThrow("wl next timed out after 500 ms");
  });
});

describe("live delegation", () => {
  it("is skipped with a note when audit_only is set", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-1" })] } });
    const result = await runLiveDelegation(liveDeps(d, setup(d)), { auditOnly: true });
    expect(result.note).toBe("Delegation: skipped (audit_only)");
    expect(d.calls()).toEqual([]);
  });

  it("does nothing while an item is in progress", async () => {
    const d = createDoubles({
      wl: { items: [workItem({ id: "SA-1", status: "in-progress" }), workItem({ id: "SA-2" })] },
    });
    const result = await runLiveDelegation(liveDeps(d, setup(d)), { auditOnly: false });
    expect(result).toMatchObject({ note: "Delegation: skipped (in_progress items)", ok: true });
    expect(d.calls().map((c) => c.program)).toEqual(["wl"]);
  });

  it.each([
    ["idea", "intake", "/intake SA-42"],
    ["intake_complete", "plan", "/plan SA-42"],
    ["plan_complete", "implement", "work on SA-42 using the implement skill"],
  ])("dispatches a %s item with opencode (%s)", async (stage, action, prompt) => {
    const d = createDoubles({
      wl: { items: [workItem({ id: "SA-42", title: "Fix login", stage, description: "Why" })] },
    });
    const result = await runLiveDelegation(liveDeps(d, setup(d)), { auditOnly: false });
    expect(result.note).toBe(`Delegation: dispatched ${action} SA-42`);
    expect(result.output.split("\n").slice(0, 3)).toEqual([
      "Starting work on",
      "",
      "# Fix login - SA-42",
    ]);
    expect(d.calls().map((c) => [c.program, ...c.argv])).toEqual([
      ["wl", "in_progress", "--json"],
      ["wl", "next", "--json"],
      ["wl", "show", "SA-42", "--json"],
      ["opencode", "run", prompt],
    ]);
  });

  it("skips other stages with a note", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-1", stage: "in_review" })] } });
    const result = await runLiveDelegation(liveDeps(d, setup(d)), { auditOnly: false });
    expect(result.note).toBe('Delegation: skipped (stage "in_review" of SA-1)');
    expect(d.calls().some((c) => c.program === "opencode")).toBe(false);
  });

  it("falls back to the one-line start message when wl show returns invalid JSON", async () => {
    const d = createDoubles({
      wl: {
        items: [workItem({ id: "SA-42", title: "Fix login" })],
        overrides: { "show SA-42 --json": { stdout: "{oops" } },
      },
    });
    const result = await runLiveDelegation(liveDeps(d, setup(d)), { auditOnly: false });
    expect(result.output).toBe("Starting work on: Fix login - SA-42");
    expect(result.note).toBe("Delegation: dispatched intake SA-42");
  });

  it("reports a failed dispatch when opencode exits non-zero", async () => {
    const d = createDoubles({
      wl: { items: [workItem({ id: "SA-42" })] },
      opencode: { default: { stderr: "model unavailable\n", exit: 3 } },
    });
    const result = await runLiveDelegation(liveDeps(d, setup(d)), { auditOnly: false });
    expect(result).toMatchObject({ ok: false, dispatched: false });
    expect(result.note).toBe(
      "Delegation: dispatch of intake SA-42 failed (opencode run exited 3: model unavailable)",
    );
  });

  it("stops opencode at the run's remaining time and reports the dispatch as failed", async () => {
    const d = createDoubles({
      wl: { items: [workItem({ id: "SA-42" })] },
      opencode: { default: { sleepMs: 20_000 } },
    });
    const wl = setup(d);
    const result = await runLiveDelegation(
      { wl, runTool, opencode: () => ({ cwd: d.dir, timeoutMs: 500 }) },
      { auditOnly: false },
    );
    expect(result).toMatchObject({ ok: false, dispatched: false });
    expect(result.note).toBe(
      "Delegation: dispatch of intake SA-42 failed (opencode run timed out)",
    );
  });

  it.each([['SA-1"; touch PWNED; echo "'], ["$(touch PWNED)"], ["`touch PWNED`"]])(
    "refuses to dispatch the malformed id %s and runs nothing else",
    async (id) => {
      const d = createDoubles({ wl: { items: [workItem({ id, title: "$(touch PWNED)" })] } });
      const result = await runLiveDelegation(liveDeps(d, setup(d)), { auditOnly: false });
      expect(result.note).toContain("Delegation: skipped (malformed work item id");
      expect(d.calls().map((c) => [c.program, ...c.argv])).toEqual([
        ["wl", "in_progress", "--json"],
        ["wl", "next", "--json"],
      ]);
      expect(pwnedFiles(d)).toEqual([]);
    },
  );
});
