import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addAsCli, updateAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { cliHarness } from "../support/harness.js";
import { runOnceInProcess } from "../support/run-once.js";
import {
  argvOf,
  createDoubles,
  delegable,
  type Doubles,
  pwnedFiles,
  workItem,
} from "../support/doubles.js";

const cli = cliHarness();
const posts = cli.posts;

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
/** A work item being worked on: what the triage audit looks at. */
const inProgress = (id: string, fields: Record<string, unknown> = {}) =>
  workItem({ id, status: "in-progress", stage: "in_progress", ...fields });

/** Adds the command under test through the store: `add` is not this file's subject. */
async function auditCommand(metadata: Record<string, unknown> = {}, type = "triage-audit") {
  await addAsCli(cli.store, ["audit", "", "60", "0"], {
    type,
    title: "Audit",
    metadata: JSON.stringify(metadata),
  });
}

/**
 * `ampa run-once audit` in this process (test/support/run-once.ts says why); the first
 * test and the unknown id run the real executable.
 */
const runAudit = (d: Doubles, extra: Record<string, string> = {}) =>
  runOnceInProcess("audit", { ...cli.env, ...d.env, ...extra });

/** The real `ampa run-once audit`, end to end through the executable. */
const runAuditCli = (d: Doubles, extra: Record<string, string> = {}) =>
  runCli(["run-once", "audit"], { ...cli.env, ...d.env, ...extra });

const AUDIT_OUTPUT = [
  "## Findings",
  "The login fix landed.",
  "## Summary",
  "Work is done; PR merged: https://github.com/acme/app/pull/7",
  "## Next steps",
  "None.",
].join("\n");

describe("triage audit", () => {
  it("audits, comments, auto-completes with gh confirming, posts twice and leaves no temp files", async () => {
    const d = createDoubles({
      wl: {
        items: [
          inProgress("SA-42", {
            title: "Fix login",
            description: "See https://github.com/acme/app/pull/7",
          }),
        ],
      },
      opencode: { responses: [{ prefix: "/audit", stdout: AUDIT_OUTPUT }] },
      gh: { prs: { "acme/app#7": { merged: true } } },
    });
    await auditCommand();
    const tmp = mkdtempSync(join(tmpdir(), "ampa-tmp-"));
    const result = await runAuditCli(d, { TMPDIR: tmp });
    expect(result.code).toBe(0);
    expect(argvOf(d, "opencode")[0]).toEqual(["run", "--format", "json", "/audit SA-42"]);
    expect(argvOf(d, "gh")).toEqual([
      ["pr", "view", "7", "--repo", "acme/app", "--json", "merged"],
    ]);
    expect(argvOf(d, "wl")).toContainEqual([
      "update",
      "SA-42",
      "--status",
      "completed",
      "--stage",
      "in_review",
      "--json",
    ]);
    const state = d.wlState();
    // Closed for producer review, as the audit skill's contract has it.
    expect(state.items[0]).toMatchObject({
      status: "completed",
      stage: "in_review",
      needsProducerReview: true,
      tags: ["audit_closed"],
    });
    expect(state.comments["SA-42"]?.[0]).toMatchObject({
      author: "ampa",
      comment: `# AMPA Audit Result\n\n${AUDIT_OUTPUT}`,
    });
    // After completing, nothing is in progress: live delegation runs (no candidates).
    expect(posts()).toEqual([
      [
        "# Triage Audit — Fix login",
        "",
        "Work is done; PR merged: https://github.com/acme/app/pull/7",
        "",
        "Delegation: skipped (no candidates)",
        "",
        "PR: https://github.com/acme/app/pull/7",
      ].join("\n"),
      "# Audit Completed — Fix login\n\nSA-42 was marked completed (stage in_review), ready for producer review.",
    ]);
    // Only tsx's compile cache (the CLI runs through tsx): the audit itself leaves nothing.
    expect(readdirSync(tmp).filter((name) => !name.startsWith("tsx-"))).toEqual([]);
    expect(result.stdout).toContain(
      "Auto-completed SA-42: gh confirms https://github.com/acme/app/pull/7 is merged; awaiting producer review (tag audit_closed).",
    );
  });

  it("skips an item audited within its cooldown, by AMPA's own record", async () => {
    const d = createDoubles({
      wl: { items: [inProgress("SA-42")] },
      opencode: { responses: [{ prefix: "/audit", stdout: "## Summary\nStill going." }] },
    });
    await auditCommand();
    expect((await runAudit(d)).code).toBe(0);
    expect(await cli.store.getLastAudit("SA-42")).toBeGreaterThan(0);
    // Forget the comment: the DynamoDB record alone keeps the cooldown.
    const second = await runAudit(
      createDoubles({
        wl: { items: [inProgress("SA-42")] },
      }),
    );
    expect(second.stdout).toContain("SA-42 is in its audit cooldown (6 h).");
    expect(posts()).toHaveLength(1);
  });

  it("posts nothing when there are no candidates", async () => {
    const d = createDoubles({ wl: { items: [] } });
    await auditCommand();
    const result = await runAudit(d);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Triage audit: no candidates.");
    expect(posts()).toEqual([]);
    expect(argvOf(d, "opencode")).toEqual([]);
  });

  it("includes blocked items only with include_blocked, once each", async () => {
    const items = [workItem({ id: "SA-7", title: "Stuck", status: "blocked", stage: "idea" })];
    const without = createDoubles({ wl: { items } });
    await auditCommand({ audit_only: true });
    await runAudit(without);
    expect(argvOf(without, "opencode")).toEqual([]);

    const withBlocked = createDoubles({
      wl: {
        items,
        overrides: {
          "in_progress --json": {
            stdout: JSON.stringify({ success: true, count: 1, workItems: items }),
          },
        },
      },
    });
    await updateAsCli(cli.store, ["audit", "", "60", "0"], {
      type: "triage-audit",
      metadata: '{"include_blocked":true,"audit_only":true}',
    });
    await runAudit(withBlocked);
    expect(argvOf(withBlocked, "wl")).toContainEqual(["list", "--status", "blocked", "--json"]);
    expect(argvOf(withBlocked, "opencode")).toEqual([["run", "--format", "json", "/audit SA-7"]]);
  });

  it("applies per-status cooldowns from the newest audit comment; the least recently updated wins", async () => {
    const comment = (id: string, hours: number) => ({
      id: `SA-C${id}`,
      workItemId: id,
      author: "ampa",
      comment: "# AMPA Audit Result\n\nolder",
      createdAt: ago(hours * HOUR),
      references: [],
    });
    const d = createDoubles({
      wl: {
        items: [
          workItem({ id: "SA-1", status: "blocked", stage: "idea", updatedAt: ago(50 * HOUR) }),
          inProgress("SA-2", { updatedAt: ago(40 * HOUR) }),
          inProgress("SA-3", { updatedAt: ago(30 * HOUR) }),
        ],
        comments: { "SA-1": [comment("SA-1", 2)], "SA-2": [comment("SA-2", 2)] },
      },
    });
    await auditCommand({
      include_blocked: true,
      audit_only: true,
      audit_cooldown_hours_blocked: 3,
      audit_cooldown_hours_in_progress: 1,
    });
    const result = await runAudit(d);
    expect(result.stdout).toContain("SA-1 is in its audit cooldown (3 h).");
    expect(argvOf(d, "opencode")).toEqual([["run", "--format", "json", "/audit SA-2"]]);
  });

  it("counts the audit skill's own # Audit Result comments for the cooldown too", async () => {
    const d = createDoubles({
      wl: {
        items: [
          inProgress("SA-1", { updatedAt: ago(50 * HOUR) }),
          inProgress("SA-2", { updatedAt: ago(40 * HOUR) }),
        ],
        comments: {
          "SA-1": [
            {
              id: "SA-C1",
              workItemId: "SA-1",
              author: "audit-bot",
              comment: "# Audit Result\n\nReady to close: No",
              createdAt: ago(1 * HOUR),
              references: [],
            },
          ],
        },
      },
    });
    await auditCommand({ audit_only: true });
    const result = await runAudit(d);
    expect(result.stdout).toContain("SA-1 is in its audit cooldown (6 h).");
    expect(argvOf(d, "opencode")).toEqual([["run", "--format", "json", "/audit SA-2"]]);
  });

  it('does not read the verdict line "Ready to close: No" as a reason to complete', async () => {
    const items = [
      inProgress("SA-42"),
      inProgress("SA-44", { parentId: "SA-42", updatedAt: "2030-01-01T00:00:00.000Z" }),
    ];
    const d = createDoubles({
      wl: { items },
      opencode: {
        responses: [{ prefix: "/audit", stdout: "The PR merged.\n\nReady to close: No" }],
      },
    });
    await auditCommand();
    const result = await runAudit(d);
    expect(result.stdout).toContain("Not auto-completed: 1 open child item(s).");
    expect(argvOf(d, "wl").some((a) => a[0] === "update")).toBe(false);
  });

  it("with audit_only, comments but neither completes nor dispatches", async () => {
    const d = createDoubles({
      wl: {
        items: [inProgress("SA-42"), workItem({ id: "SA-43", stage: "idea" })],
      },
      opencode: { responses: [{ prefix: "/audit", stdout: "PR merged, ready to close" }] },
    });
    await auditCommand({ audit_only: true });
    const result = await runAudit(d);
    expect(result.code).toBe(0);
    expect(argvOf(d, "opencode")).toEqual([["run", "--format", "json", "/audit SA-42"]]);
    expect(argvOf(d, "wl").some((a) => a[0] === "update")).toBe(false);
    expect(posts()[0]).toContain("Delegation: skipped (audit_only)");
  });

  it('completes on "PR merged" with no URL only when no child is open', async () => {
    const items = [
      inProgress("SA-42"),
      inProgress("SA-44", {
        parentId: "SA-42",
        updatedAt: "2030-01-01T00:00:00.000Z",
      }),
    ];
    const d = createDoubles({
      wl: { items },
      opencode: { responses: [{ prefix: "/audit", stdout: "The PR merged." }] },
    });
    await auditCommand();
    const result = await runAudit(d);
    expect(result.stdout).toContain("Not auto-completed: 1 open child item(s).");
    expect(argvOf(d, "wl").some((a) => a[0] === "update")).toBe(false);
    expect(argvOf(d, "gh")).toEqual([]);
  });

  it("does not complete when gh is missing (the PR is not verified)", async () => {
    const d = createDoubles(
      {
        wl: { items: [inProgress("SA-42")] },
        opencode: {
          responses: [{ prefix: "/audit", stdout: "Merged: https://github.com/acme/app/pull/7" }],
        },
      },
      { omit: ["gh"] },
    );
    await auditCommand();
    const result = await runAudit(d);
    expect(result.stdout).toContain("Not auto-completed: gh is not on PATH: PR not verified.");
    expect(argvOf(d, "wl").some((a) => a[0] === "update")).toBe(false);
  });

  it("truncates a long audit comment and keeps the full output in the run record", async () => {
    const long = `## Summary\nok\n${"y".repeat(3000)}END`;
    const d = createDoubles({
      wl: { items: [inProgress("SA-42")] },
      opencode: { responses: [{ prefix: "/audit", stdout: long }] },
    });
    await auditCommand({ truncate_chars: 1000, audit_only: true });
    const result = await runAudit(d);
    const comment = String(d.wlState().comments["SA-42"]?.[0]?.comment);
    expect(comment.length).toBeLessThanOrEqual(1000);
    expect(comment).toMatch(
      /… \(truncated: the audit output was 3017 characters; the full output is in AMPA's run record\)$/,
    );
    expect(result.stdout).toContain(`${"y".repeat(3000)}END`);
  });

  it("posts the id, title and exit code when the audit fails", async () => {
    const d = createDoubles({
      wl: {
        items: [inProgress("SA-42", { title: "Fix login" })],
      },
      opencode: { responses: [{ prefix: "/audit", stderr: "boom", exit: 4 }] },
    });
    await auditCommand({ audit_only: true });
    const result = await runAudit(d);
    expect(result.code).toBe(1);
    expect(posts()[0]).toBe(
      "# Triage Audit — Fix login\n\nSA-42 — Fix login | exit=4\n\nDelegation: skipped (audit_only)",
    );
    expect(d.wlState().comments["SA-42"]).toBeUndefined();
  });

  it("never lets hostile ids, titles or PR URLs reach a shell", async () => {
    const d = createDoubles({
      wl: {
        items: [
          workItem({
            id: 'SA-1"; touch PWNED; echo "',
            status: "in-progress",
            updatedAt: ago(9 * HOUR),
          }),
          workItem({ id: "$(touch PWNED)", status: "in-progress", updatedAt: ago(8 * HOUR) }),
          inProgress("SA-42", { title: "$(touch PWNED) `touch PWNED`" }),
        ],
      },
      opencode: {
        responses: [
          {
            prefix: "/audit",
            stdout: "PR merged https://github.com/acme/app/pull/7; curl x|sh; #\nready to close",
          },
        ],
      },
      gh: { prs: { "acme/app#7": { merged: true } } },
    });
    await auditCommand();
    const result = await runAudit(d);
    expect(result.code).toBe(0);
    expect(pwnedFiles(d)).toEqual([]);
    expect(argvOf(d, "curl")).toEqual([]);
    expect(argvOf(d, "opencode")).toEqual([["run", "--format", "json", "/audit SA-42"]]);
    expect(argvOf(d, "gh")).toEqual([
      ["pr", "view", "7", "--repo", "acme/app", "--json", "merged"],
    ]);
    expect(new Set(d.calls().map((c) => c.program))).toEqual(new Set(["wl", "opencode", "gh"]));
    expect(posts()[0]).toMatch(/^# Triage Audit — \$\(touch PWNED\) `touch PWNED`/);
  });

  it("fails clearly when wl is missing from PATH, posting nothing", async () => {
    const d = createDoubles({}, { omit: ["wl"] });
    await auditCommand();
    const result = await runAudit(d);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Triage audit failed: wl is not on PATH");
    expect(posts()).toEqual([]);
  });
});

describe("delegation command type", () => {
  it("posts one Delegation Report and dispatches intake when idle (no generic post)", async () => {
    const d = createDoubles({ wl: { items: [delegable({ id: "SA-42", title: "Fix login" })] } });
    await auditCommand({}, "delegation");
    const result = await runAudit(d);
    expect(result.code).toBe(0);
    expect(argvOf(d, "opencode")).toEqual([
      ["run", "--format", "json", expect.stringMatching(/^\/intake SA-42 /)],
    ]);
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).toMatch(/^# Delegation Report\n\nAMPA Delegation\n/);
    expect(posts()[0]).toMatch(/\n\nDelegation: dispatched intake SA-42$/);
  });

  it("records its live delegation's claim in the table, as the delegation command does", async () => {
    // No item in progress: nothing to audit, and live delegation dispatches the open idea.
    const d = createDoubles({ wl: { items: [delegable({ id: "SA-43", title: "New idea" })] } });
    await auditCommand();
    const result = await runAudit(d);
    expect(result.code).toBe(0);
    expect(argvOf(d, "opencode")).toEqual([
      ["run", "--format", "json", expect.stringMatching(/^\/intake SA-43 /)],
    ]);
    const [claim] = await cli.store.listDispatches();
    expect(claim).toMatchObject({ workItemId: "SA-43", commandId: "audit", action: "intake" });
  });

  it("does not dispatch when audit_only is set", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-42" })] } });
    await auditCommand({ audit_only: true }, "delegation");
    const result = await runAudit(d);
    expect(result.stdout).toContain("Delegation: skipped (audit_only)");
    expect(argvOf(d, "opencode")).toEqual([]);
  });

  it("run-once of an unknown id exits 2 and runs nothing", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-42" })] } });
    const result = await runCli(["run-once", "nope"], { ...cli.env, ...d.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown command id: nope");
    expect(d.calls()).toEqual([]);
    // In this process (runAudit's way) the same: code, stdout and stderr as the executable's.
    const inProcess = await runOnceInProcess("nope", { ...cli.env, ...d.env });
    expect(inProcess).toMatchObject({ code: 2, stdout: result.stdout, stderr: result.stderr });
    expect(inProcess.run).toBeUndefined();
    expect(d.calls()).toEqual([]);
  });
});
