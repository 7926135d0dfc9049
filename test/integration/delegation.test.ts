import { describe, expect, it } from "vitest";
import { runTool } from "../../src/lib/adapters/process/tool.js";
import { type AgentProfile, BUILT_IN_AGENTS } from "../../src/lib/app/agents/profiles.js";
import { agentRunner, UsageTally } from "../../src/lib/app/agents/run.js";
import { DEFAULT_SETTINGS, delegationSettings } from "../../src/lib/app/worklog/checks.js";
import {
  type DelegationDeps,
  planDelegation,
  runLiveDelegation,
} from "../../src/lib/app/worklog/delegation.js";
import { describeAgentFailure } from "../../src/lib/app/worklog/tool-failure.js";
import { Worklog } from "../../src/lib/app/worklog/wl.js";
import {
  AGENT_DOUBLES,
  argvOf,
  createDoubles,
  delegable,
  type Doubles,
  doublesOnPath,
  pwnedFiles,
  workItem,
} from "../support/doubles.js";
import { tablePerTest } from "../support/harness.js";

/**
 * Live delegation through the wl and opencode doubles (which follow the real wl's facts in
 * shared/contracts/worklog-cli.md) with claims recorded in a real table on dynalite.
 */

// A table per test: claims of one test must not make another's items busy.
const table = tablePerTest();
const useDoubles = doublesOnPath();

let runs = 0;
function deps(
  d: Doubles,
  over: Partial<DelegationDeps> = {},
  agent: { profile?: AgentProfile; usage?: UsageTally } = {},
): DelegationDeps {
  useDoubles(d);
  runs += 1;
  const profile = agent.profile ?? BUILT_IN_AGENTS.opencode;
  return {
    wl: new Worklog({ run: runTool, cwd: d.dir, timeoutMs: 10_000 }),
    agent: agentRunner(runTool, profile, () => ({ cwd: d.dir, timeoutMs: 10_000 }), agent.usage),
    settings: DEFAULT_SETTINGS,
    claim: { commandId: "delegate", runId: `run-${runs}`, assignee: "ampa" },
    dispatchStore: table.store,
    ...over,
  };
}
const live = (x: DelegationDeps) => runLiveDelegation(x, { auditOnly: false });
const argv = (d: Doubles, program?: string) =>
  d
    .calls()
    .filter((c) => !program || c.program === program)
    .map((c) => [c.program, ...c.argv]);
const item = (d: Doubles, id: string) => d.wlState().items.find((i) => i.id === id);

describe("live delegation against the real wl's facts", () => {
  it.each([
    ["idea", "intake", "/intake SA-42 Work without asking questions"],
    ["intake_complete", "plan", "/plan SA-42"],
    ["plan_complete", "implement", "work on SA-42 using the implement skill"],
  ])("claims and dispatches a %s item (%s)", async (stage, action, prompt) => {
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-42", title: "Fix login", stage })] },
    });
    const result = await live(deps(d));
    expect(result.note).toBe(`Delegation: dispatched ${action} SA-42`);
    expect(result.output.split("\n").slice(0, 3)).toEqual([
      "Starting work on",
      "",
      "# Fix login - SA-42",
    ]);
    const inProgress = stage === "idea" ? [] : ["--status", "in-progress"];
    expect(argv(d)).toEqual([
      ["wl", "in_progress", "--json"],
      ["wl", "list", "--stage", "in_progress", "--json"],
      ["wl", "next", "-n", "3", "--json"],
      ["wl", "dep", "list", "SA-42", "--json"],
      ["wl", "update", "SA-42", ...inProgress, "--assignee", "ampa", "--json"],
      [
        "wl",
        "comment",
        "add",
        "SA-42",
        "--comment",
        expect.stringContaining(
          `claimed this item for ${action}: command delegate, run run-${runs}`,
        ),
        "--author",
        "ampa",
        "--json",
      ],
      ["wl", "show", "SA-42", "--json"],
      ["opencode", "run", "--format", "json", expect.stringContaining(prompt)],
      // The agent (a double that does nothing) left the item as it was: put back at once.
      ["wl", "show", "SA-42", "--json"],
      [
        "wl",
        "update",
        "SA-42",
        ...(stage === "idea" ? [] : ["--status", "open"]),
        "--assignee",
        "",
        "--json",
      ],
    ]);
    expect(item(d, "SA-42")).toMatchObject({ assignee: "", status: "open", stage });
    const records = await table.store.listDispatches();
    expect(records.find((r) => r.runId === `run-${runs}`)).toMatchObject({
      workItemId: "SA-42",
      action,
      stage,
      commandId: "delegate",
      assignee: "ampa",
    });
  });

  it("accepts any alphanumeric prefix of any length, as wl init does", async () => {
    for (const id of ["9LIVES-0MX54ABCDEFGHIJK", "ABCDEFGHIJKLMNOPQ-0MX54ABCDEFGHIJK"]) {
      const d = createDoubles({ wl: { items: [delegable({ id })] } });
      const result = await live(deps(d));
      expect(result.note).toBe(`Delegation: dispatched intake ${id}`);
    }
  });

  it("honours the do-not-delegate tag and dispatches the next candidate", async () => {
    const d = createDoubles({
      wl: {
        items: [
          delegable({ id: "SA-1", sortIndex: 100 }),
          delegable({ id: "SA-2", sortIndex: 200 }),
        ],
      },
    });
    useDoubles(d);
    await runTool("wl", ["update", "SA-1", "--do-not-delegate", "true", "--json"], {
      cwd: d.dir,
      timeoutMs: 10_000,
    });
    const x = deps(d);
    const plan = await planDelegation(x);
    expect(plan.candidates[0]?.failures).toEqual([
      { check: "do_not_delegate", why: "tagged do-not-delegate" },
    ]);
    const result = await live(x);
    expect(result.note).toBe("Delegation: dispatched intake SA-2");
    expect(argv(d, "opencode")).toHaveLength(1);
  });

  it("never dispatches an item blocked by a dependency edge, though wl next returns it", async () => {
    const d = createDoubles({
      wl: {
        items: [
          delegable({ id: "SA-1", sortIndex: 100 }),
          workItem({ id: "SA-9", sortIndex: 300, stage: "intake_complete" }),
        ],
      },
    });
    useDoubles(d);
    await runTool("wl", ["dep", "add", "SA-1", "SA-9", "--json"], {
      cwd: d.dir,
      timeoutMs: 10_000,
    });
    const plan = await planDelegation(deps(d));
    expect(plan.candidates[0]?.candidate.reason).toBe(
      "Blocked item with no identifiable blocking issues",
    );
    expect(plan.candidates[0]?.failures).toContainEqual({
      check: "dependencies",
      why: "status blocked",
    });
    // An open edge blocks even while the status says open (`--status blocked` without edges stores open).
    await runTool("wl", ["update", "SA-1", "--status", "open", "--json"], {
      cwd: d.dir,
      timeoutMs: 10_000,
    });
    const again = await planDelegation(deps(d));
    expect(again.candidates[0]?.failures).toEqual([
      { check: "dependencies", why: "depends on SA-9" },
    ]);
    const result = await live(deps(d));
    expect(result.dispatched).toBe(false);
    expect(argv(d, "opencode")).toEqual([]);
  });

  it("counts status open with stage in_progress as in progress: nothing else is dispatched", async () => {
    const d = createDoubles({
      wl: {
        items: [
          delegable({ id: "SA-1", status: "open", stage: "in_progress", sortIndex: 100 }),
          delegable({ id: "SA-2", sortIndex: 200 }),
        ],
      },
    });
    const result = await live(deps(d));
    expect(result.note).toBe("Delegation: skipped (in_progress items)");
    expect(argv(d, "opencode")).toEqual([]);
  });

  it("a claimed item is busy whatever its status, and is never dispatched twice", async () => {
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-7", stage: "idea" }), delegable({ id: "SA-8" })] },
    });
    // The claim of another delegation run whose agent is still at work (status open at
    // stage idea, where Worklog refuses in-progress: only the assignee says so).
    await table.store.claimDispatch(
      {
        workItemId: "SA-7",
        action: "intake",
        stage: "idea",
        commandId: "other",
        runId: "run-in-progress",
        assignee: "ampa",
        dispatchedAt: Date.now(),
        status: "open",
      },
      0,
    );
    useDoubles(d);
    await runTool("wl", ["update", "SA-7", "--assignee", "ampa"], {
      cwd: d.dir,
      timeoutMs: 10_000,
    });
    const second = await live(deps(d));
    expect(second.note).toBe("Delegation: skipped (in_progress items)");
    const plan = await planDelegation(deps(d));
    expect(plan.busy.map((b) => [b.item.id, b.claim?.action])).toEqual([["SA-7", "intake"]]);
    // Without the single-concurrency check the claim still stops a second dispatch of SA-7.
    const noHold = { ...DEFAULT_SETTINGS, nothingInProgress: false };
    const third = await live(deps(d, { settings: noHold }));
    expect(third.note).toBe("Delegation: dispatched intake SA-8");
    expect(argv(d, "opencode").map((a) => a.at(-1)?.split(" ")[1])).toEqual(["SA-8"]);
  });

  it("names each failed check and can turn the content checks off per command", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-3", description: "short" })] } });
    const strict = await live(deps(d));
    expect(strict.note).toBe(
      "Delegation: skipped (no candidate passes the checks: SA-3: context (description has 5 of 100 characters); acceptance_criteria (no acceptance criteria in the description))",
    );
    const lenient = delegationSettings({
      checks: { min_description_chars: 0, acceptance_criteria: false },
    });
    expect(lenient.ok).toBe(true);
    if (!lenient.ok) return;
    expect((await live(deps(d, { settings: lenient.settings }))).note).toBe(
      "Delegation: dispatched intake SA-3",
    );
  });

  it("a stage runner takes the open items of its stages in sortIndex order", async () => {
    const d = createDoubles({
      wl: {
        items: [
          delegable({ id: "SA-1", sortIndex: 100 }),
          delegable({ id: "SA-2", sortIndex: 200 }),
          delegable({ id: "SA-3", sortIndex: 300 }),
          delegable({ id: "SA-5", sortIndex: 500, stage: "plan_complete" }),
          delegable({ id: "SA-4", sortIndex: 400, stage: "plan_complete", priority: "high" }),
        ],
      },
    });
    const planner = delegationSettings({ stages: ["plan_complete"] });
    if (!planner.ok) throw new Error(planner.error);
    const result = await live(deps(d, { settings: planner.settings }));
    expect(result.note).toBe("Delegation: dispatched implement SA-4");
    expect(argv(d, "wl")).toContainEqual([
      "wl",
      "list",
      "--status",
      "open",
      "--stage",
      "plan_complete",
      "--json",
    ]);
  });

  it("a stage runner keeps wl list's order: a late parent's first child does not jump ahead", async () => {
    // sortIndex is numbered within each parent: SA-9's child has 100, below SA-1's 200.
    const d = createDoubles({
      wl: {
        items: [
          delegable({ id: "SA-9", sortIndex: 900, stage: "in_progress" }),
          delegable({ id: "SA-10", sortIndex: 100, parentId: "SA-9", stage: "plan_complete" }),
          delegable({ id: "SA-1", sortIndex: 200, stage: "plan_complete" }),
          delegable({ id: "SA-2", sortIndex: 300, stage: "intake_complete" }),
        ],
      },
    });
    const runner = delegationSettings({
      stages: ["intake_complete", "plan_complete"],
      checks: { nothing_in_progress: false },
    });
    if (!runner.ok) throw new Error(runner.error);
    const plan = await planDelegation(deps(d, { settings: runner.settings }));
    expect(plan.candidates.map((c) => c.candidate.item.id)).toEqual(["SA-1", "SA-2", "SA-10"]);
    expect((await live(deps(d, { settings: runner.settings }))).note).toBe(
      "Delegation: dispatched implement SA-1",
    );
  });

  it("a stage runner on a wl whose next takes --stage asks wl next for its stage", async () => {
    // The newer wl: SA-2 (blocked by SA-3) is left out; SA-3 blocks a critical item, so it
    // inherits critical and goes first; SA-1 and SA-4 tie on sortIndex, broken by priority.
    const d = createDoubles({
      wl: {
        mode: "newer",
        items: [
          delegable({ id: "SA-1", sortIndex: 100, stage: "plan_complete", priority: "low" }),
          delegable({ id: "SA-4", sortIndex: 100, stage: "plan_complete", priority: "high" }),
          delegable({ id: "SA-2", sortIndex: 50, stage: "plan_complete", priority: "critical" }),
          delegable({ id: "SA-3", sortIndex: 300, stage: "plan_complete" }),
          delegable({ id: "SA-0", sortIndex: 10, stage: "idea" }),
        ],
        deps: [{ fromId: "SA-2", toId: "SA-3" }],
      },
    });
    const planner = delegationSettings({
      stages: ["plan_complete"],
      checks: { dependencies: false },
    });
    if (!planner.ok) throw new Error(planner.error);
    const plan = await planDelegation(deps(d, { settings: planner.settings }));
    expect(plan.candidates.map((c) => c.candidate.item.id)).toEqual(["SA-3", "SA-4", "SA-1"]);
    expect(plan.chosen?.candidate.reason).toBe(
      "Blocker of a higher-priority item (effective priority critical)",
    );
    expect(argv(d, "wl")).toContainEqual([
      "wl",
      "next",
      "-n",
      "3",
      "--stage",
      "plan_complete",
      "--json",
    ]);
    // wl 0.0.1 refuses --stage, so there the runner lists instead (the test above).
    const old = createDoubles({ wl: { items: [] } });
    await planDelegation(deps(old, { settings: planner.settings }));
    expect(argv(old, "wl").some((a) => a.includes("--stage") && a[1] === "next")).toBe(false);
  });

  it("claims by assignee and comment where Worklog's rules refuse in-progress, and says so", async () => {
    // A project without statusStageCompatibility: Worklog's built-in rules allow in-progress
    // only at stage in_progress, so the claim of a plan_complete item cannot set it.
    const d = createDoubles({
      wl: {
        mode: "newer",
        pairs: "built-in",
        items: [delegable({ id: "SA-7", stage: "plan_complete" })],
      },
    });
    const result = await live(deps(d));
    expect(result.note).toBe("Delegation: dispatched implement SA-7");
    expect(result.output).toMatch(
      /Claimed SA-7: assignee ampa \(status stays open: this Worklog refused in-progress \(wl update failed: Invalid status\/stage combination/,
    );
    const updates = argv(d, "wl").filter((a) => a[1] === "update");
    expect(updates.slice(0, 2)).toEqual([
      ["wl", "update", "SA-7", "--status", "in-progress", "--assignee", "ampa", "--json"],
      ["wl", "update", "SA-7", "--assignee", "ampa", "--json"],
    ]);
    expect(d.wlState().comments["SA-7"]?.[0]?.comment).toContain("claimed this item for implement");
    expect(argv(d, "opencode")).toHaveLength(1);
  });

  it.each([['SA-1"; touch PWNED; echo "'], ["$(touch PWNED)"], ["--exec=touch PWNED"]])(
    "refuses the malformed id %s: never passed to a tool",
    async (id) => {
      const d = createDoubles({ wl: { items: [workItem({ id, title: "$(touch PWNED)" })] } });
      const result = await live(deps(d));
      expect(result).toMatchObject({ ok: false, dispatched: false });
      expect(result.note).toContain("Delegation: skipped (malformed work item id");
      for (const call of argv(d)) expect(call).not.toContain(id);
      expect(pwnedFiles(d)).toEqual([]);
    },
  );

  it("reports a failed dispatch when opencode exits non-zero", async () => {
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-42" })] },
      opencode: { default: { stderr: "model unavailable\n", exit: 3 } },
    });
    const result = await live(deps(d));
    expect(result).toMatchObject({ ok: false, dispatched: false });
    expect(result.note).toBe(
      "Delegation: dispatch of intake SA-42 failed (opencode run exited 3: model unavailable)",
    );
  });

  it("reports a failed dispatch when the agent's output reports an error, though it exits 0", async () => {
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-42" })] },
      pi: { default: { error: "rate limited" } },
    });
    const result = await live(deps(d, {}, { profile: BUILT_IN_AGENTS.pi }));
    expect(result).toMatchObject({ ok: false, dispatched: false });
    expect(result.note).toBe(
      "Delegation: dispatch of intake SA-42 failed (pi reported a failure: rate limited)",
    );
  });

  it("refuses bad metadata with a message naming the field", () => {
    expect(delegationSettings({ checks: { min_description: 5 } })).toMatchObject({
      ok: false,
      error: expect.stringContaining('metadata.checks: Unrecognized key: "min_description"'),
    });
    expect(delegationSettings({ stages: ["in_review"] })).toMatchObject({
      ok: false,
      error: expect.stringContaining("metadata.stages.0"),
    });
  });
});

describe("live delegation to each agent", () => {
  /** Each CLI's documented non-interactive, machine-readable argv around the prompt. */
  const DOCUMENTED: Record<(typeof AGENT_DOUBLES)[number], (prompt: string) => string[]> = {
    opencode: (p) => ["run", "--format", "json", p],
    pi: (p) => ["-p", "--mode", "json", p],
    claude: (p) => ["-p", "--output-format", "stream-json", "--verbose", "--", p],
    codex: (p) => ["exec", "--json", "--", p],
    gemini: (p) => ["--output-format", "stream-json", "-p", p],
  };
  // Codex and Gemini report tokens only; the others a cost too.
  const COSTS = {
    opencode: 0.0421,
    pi: 0.0173,
    claude: 0.0934,
    codex: undefined,
    gemini: undefined,
  };

  it.each(AGENT_DOUBLES)(
    "dispatches to %s with the prompt as one argv element and tallies its usage",
    async (name) => {
      const prompt = "/plan SA-42";
      const d = createDoubles({
        wl: { items: [delegable({ id: "SA-42", stage: "intake_complete" })] },
        [name]: {
          default: {
            stdout: `Planned SA-42.\n{"type":"result","is_error":true,"total_cost_usd":99}`,
            usage: { input: 2000, output: 500, cost: COSTS[name] ?? 7 },
            malformed: true,
          },
        },
      });
      const usage = new UsageTally();
      const result = await live(deps(d, {}, { profile: BUILT_IN_AGENTS[name], usage }));
      expect(result.note).toBe("Delegation: dispatched plan SA-42");
      expect(argvOf(d, name)).toEqual([DOCUMENTED[name](prompt)]);
      // The final message, read from the agent's own format past a broken line; a JSON
      // event quoted inside it is text.
      expect(result.output).toContain(
        `Agent said:\n\nPlanned SA-42.\n{"type":"result","is_error":true,"total_cost_usd":99}`,
      );
      const cost = COSTS[name];
      expect(usage.entries()).toEqual([
        {
          agent: name,
          inputTokens: 2000,
          outputTokens: 500,
          ...(cost === undefined ? {} : { costUsd: cost }),
        },
      ]);
      for (const other of AGENT_DOUBLES.filter((a) => a !== name))
        expect(argvOf(d, other)).toEqual([]);
    },
  );

  it.each(AGENT_DOUBLES)(
    "a non-zero exit of %s fails its run, whatever it printed",
    async (name) => {
      const d = createDoubles({
        [name]: { default: { stdout: "half", stderr: "no credentials\n", exit: 2 } },
      });
      useDoubles(d);
      const run = await agentRunner(runTool, BUILT_IN_AGENTS[name], () => ({
        cwd: d.dir,
        timeoutMs: 10_000,
      }))("/audit SA-42");
      expect(run.result.ok).toBe(false);
      expect(describeAgentFailure(run)).toMatch(/ exited 2: no credentials$/);
    },
  );
});

describe("the DISPATCH partition", () => {
  const record = (fields: Record<string, unknown> = {}) => ({
    workItemId: `SA-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
    action: "intake",
    stage: "idea",
    commandId: "delegate",
    runId: "r1",
    assignee: "ampa",
    dispatchedAt: 1_000_000,
    ...fields,
  });

  it("lets one claim hold an item until it is released, stale, or the stage moves on", async () => {
    const first = record();
    expect(await table.store.claimDispatch(first, 0)).toBe(true);
    expect(await table.store.claimDispatch({ ...first, runId: "r2" }, 0)).toBe(false);
    expect(
      await table.store.claimDispatch({ ...first, runId: "r2", stage: "intake_complete" }, 0),
    ).toBe(true);
    const other = record();
    await table.store.claimDispatch(other, 0);
    expect(await table.store.claimDispatch({ ...other, runId: "r3" }, 2_000_000)).toBe(true);
    const third = record();
    await table.store.claimDispatch(third, 0);
    expect(await table.store.releaseDispatch(third.workItemId, "someone-else", 5, "x")).toBe(false);
    expect(await table.store.releaseDispatch(third.workItemId, "r1", 5, "stale")).toBe(true);
    expect(await table.store.claimDispatch({ ...third, runId: "r4" }, 0)).toBe(true);
    const listed = await table.store.listDispatches();
    expect(listed.find((r) => r.workItemId === third.workItemId)).toEqual({
      ...third,
      runId: "r4",
    });
  });
});
