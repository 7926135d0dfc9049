import { describe, expect, it } from "vitest";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { cliHarness } from "../support/harness.js";
import { argvOf, createDoubles, delegable, type Doubles, workItem } from "../support/doubles.js";
import { runOnceInProcess } from "../support/run-once.js";

/**
 * Stage runners and the stale-delegation watchdog end to end: `ampa run-once` (mostly in
 * this process, see runOnce below), the wl and opencode doubles, dynalite, a webhook.
 */

const cli = cliHarness();
const posts = cli.posts;
/** The prompt of each opencode run, in order. */
const opencode = (d: Doubles) => argvOf(d, "opencode").map((argv) => argv.at(-1));
const add = (id: string, type: string, metadata: Record<string, unknown>) =>
  runCli(
    ["add", id, "", "60", "0", "--type", type, "--metadata", JSON.stringify(metadata)],
    cli.env,
  );

/** `add`, written through the store, where the test is about the run, not `ampa add`. */
const stored = (id: string, type: string, metadata: Record<string, unknown>) =>
  addAsCli(cli.store, [id, "", "60", "0"], { type, metadata: JSON.stringify(metadata) });

/**
 * `ampa run-once <id>` in this process (test/support/run-once.ts says why); the first
 * run below and the refusals of `ampa add` run the real executable.
 */
const runOnce = (id: string, d: Doubles) => runOnceInProcess(id, { ...cli.env, ...d.env });
/** The real `ampa run-once <id>`, end to end through the executable. */
const runOnceCli = (id: string, d: Doubles) => runCli(["run-once", id], { ...cli.env, ...d.env });

describe("stage runners through ampa run-once", () => {
  it("intake and planning run as separate commands, each only its stage, each claiming once", async () => {
    const d = createDoubles({
      wl: {
        items: [
          delegable({ id: "SA-1", title: "Idea", sortIndex: 100 }),
          delegable({ id: "SA-2", title: "Planned", sortIndex: 200, stage: "intake_complete" }),
        ],
      },
    });
    await stored("intake", "delegation", { stages: ["idea"] });
    await stored("planning", "delegation", {
      stages: ["intake_complete"],
      checks: { nothing_in_progress: false },
    });
    const intake = await runOnceCli("intake", d);
    expect(intake.code).toBe(0);
    expect(intake.stdout).toContain("Delegation: dispatched intake SA-1");
    expect(opencode(d)).toEqual([
      expect.stringMatching(/^\/intake SA-1 Work without asking questions/),
    ]);
    const planning = await runOnce("planning", d);
    expect(planning.stdout).toContain("Delegation: dispatched plan SA-2");
    // Its agent left the idea where it was: put back, it waits out its backoff.
    const again = await runOnce("intake", d);
    expect(again.stdout).toMatch(
      /Delegation: skipped \(no candidate passes the checks: SA-1: attempts \(1 of 3 dispatch\(es\) for intake did not move it/,
    );
    expect(opencode(d)).toHaveLength(2);
    const items = d.wlState().items;
    expect(items.map((i) => [i.id, i.status, i.assignee])).toEqual([
      ["SA-1", "open", ""],
      ["SA-2", "open", ""],
    ]);
    const comments = d.wlState().comments["SA-1"] ?? [];
    expect(comments[0]?.comment).toMatch(
      /^AMPA claimed this item for intake: command intake, run /,
    );
    expect(
      (await cli.store.listDispatches()).map((r) => [r.workItemId, r.commandId]).sort(),
    ).toEqual([
      ["SA-1", "intake"],
      ["SA-2", "planning"],
    ]);
    expect(posts().map((p) => p.split("\n")[0])).toEqual([
      "# Delegation Report",
      "# Delegation Report",
      "# Delegation Report",
    ]);
  }, 120_000);

  it("refuses bad metadata at ampa add, and fails a stored command's run with the same message", async () => {
    const added = await add("bad", "delegation", { checks: { min_description_chars: -1 } });
    expect(added.code).not.toBe(0);
    expect(added.stderr).toContain("Invalid metadata.checks.min_description_chars");
    const stages = await add("bad2", "delegation", { stages: "idea" });
    expect(stages.stderr).toContain("Invalid metadata.stages");
    expect(await cli.store.getCommand("bad")).toBeUndefined();
  });
});

describe("stale-delegation watchdog", () => {
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  it("puts back items AMPA has held with no update past stale_after_minutes, and posts them", async () => {
    const d = createDoubles({
      wl: {
        items: [
          workItem({
            id: "SA-1",
            title: "Stuck",
            status: "in-progress",
            stage: "plan_complete",
            assignee: "ampa",
            updatedAt: ago(200),
          }),
          workItem({
            id: "SA-2",
            title: "Fresh",
            status: "in-progress",
            stage: "plan_complete",
            assignee: "ampa",
            updatedAt: ago(5),
          }),
          workItem({
            id: "SA-3",
            title: "Human",
            status: "in-progress",
            stage: "in_progress",
            assignee: "alice",
            updatedAt: ago(500),
          }),
          workItem({
            id: "SA-4",
            title: "Idea held",
            status: "open",
            stage: "idea",
            assignee: "ampa",
            updatedAt: ago(61),
          }),
          // The agent asked a person (the newer Worklog's status): waiting is not stale.
          workItem({
            id: "SA-5",
            title: "Asked",
            status: "input_needed",
            stage: "plan_complete",
            assignee: "ampa",
            updatedAt: ago(500),
          }),
        ],
      },
    });
    await cli.store.claimDispatch(
      {
        workItemId: "SA-1",
        action: "implement",
        stage: "plan_complete",
        commandId: "d",
        runId: "r1",
        assignee: "ampa",
        dispatchedAt: Date.now() - 200 * 60_000,
      },
      0,
    );
    await stored("watchdog", "stale-delegation-watchdog", { stale_after_minutes: 60 });
    const result = await runOnce("watchdog", d);
    expect(result.code).toBe(0);
    const byId = new Map(d.wlState().items.map((i) => [i.id, i]));
    expect(byId.get("SA-1")).toMatchObject({
      status: "open",
      stage: "plan_complete",
      assignee: "",
    });
    expect(byId.get("SA-4")).toMatchObject({ status: "open", stage: "idea", assignee: "" });
    expect(byId.get("SA-2")).toMatchObject({ status: "in-progress", assignee: "ampa" });
    expect(byId.get("SA-3")).toMatchObject({ status: "in-progress", assignee: "alice" });
    expect(byId.get("SA-5")).toMatchObject({ status: "input_needed", assignee: "ampa" });
    expect(d.wlState().comments["SA-1"]?.[0]?.comment).toContain(
      "stale-delegation watchdog put this item back",
    );
    expect((await cli.store.listDispatches())[0]).toMatchObject({
      workItemId: "SA-1",
      releaseReason: "stale",
    });
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).toMatch(
      /^# Stale Delegation Recovery\n\nPut back 2 of 2 stale item\(s\):\n- Stuck - SA-1: /,
    );
    // Nothing stale any more: no post.
    const quiet = await runOnce("watchdog", d);
    expect(quiet.stdout).toContain("nothing held by ampa is stale");
    expect(posts()).toHaveLength(1);
  }, 120_000);
});
