import { describe, expect, it } from "vitest";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { cliHarness } from "../support/harness.js";
import { argvOf, createDoubles, type Doubles, pwnedFiles, workItem } from "../support/doubles.js";
import { runOnceInProcess } from "../support/run-once.js";

/** The review-audit type end to end: `ampa run-once` with the wl and opencode doubles. */

const cli = cliHarness();
const posts = cli.posts;

/** `ampa add review` of type review-audit with the metadata as given (JSON text). */
const addReview = (metadataJson: string) =>
  runCli(
    ["add", "review", "", "60", "0", "--type", "review-audit", "--metadata", metadataJson],
    cli.env,
  );
/** The same, written through the store: `add` is the subject only of the refusal below. */
async function addReviewAudit(metadata: Record<string, unknown> = {}) {
  await addAsCli(cli.store, ["review", "", "60", "0"], {
    type: "review-audit",
    metadata: JSON.stringify(metadata),
  });
}
/**
 * `ampa run-once review` in this process (test/support/run-once.ts says why); the first
 * test's first run and the refusal of bad metadata run the real executable.
 */
const runReview = (d: Doubles) => runOnceInProcess("review", { ...cli.env, ...d.env });
/** The real `ampa run-once review`, end to end through the executable. */
const runReviewCli = (d: Doubles) => runCli(["run-once", "review"], { ...cli.env, ...d.env });

const inReview = (id: string, fields: Record<string, unknown> = {}) =>
  workItem({ id, title: `Review ${id}`, status: "completed", stage: "in_review", ...fields });

const PASSING = [
  "## Summary",
  "Everything asked for is there.",
  "## Acceptance Criteria Status",
  "| # | Criterion | Verdict | Evidence |",
  "|---|---|---|---|",
  "| 1 | Login works | met | test/login.test.ts |",
  "## Recommendation",
  "Can this item be closed? Yes.",
].join("\n");

const FAILING = [
  "## Summary",
  "The logout half is missing.",
  "## Recommendation",
  "Can this item be closed? No. Logout is not implemented.",
].join("\n");

// Generous time: each test runs the audit (and its doubles' processes) more than once.
describe("review audit", () => {
  it("audits the oldest item in review, comments, closes a pass for producer review and posts once", async () => {
    const d = createDoubles({
      wl: {
        items: [
          inReview("SA-NEWER", { updatedAt: "2026-02-12T00:00:00.000Z" }),
          inReview("SA-OLDER", { updatedAt: "2026-02-11T00:00:00.000Z" }),
          workItem({ id: "SA-WORK", status: "in-progress", stage: "in_progress" }),
        ],
      },
      opencode: { responses: [{ prefix: "/audit", stdout: PASSING }] },
    });
    await addReviewAudit();
    const run = await runReviewCli(d);
    expect(run.stdout).toContain("Audited SA-OLDER: verdict pass");
    expect(run.code).toBe(0);
    expect(argvOf(d, "opencode")).toEqual([["run", "--format", "json", "/audit SA-OLDER"]]);
    expect(argvOf(d, "wl")).toContainEqual(["list", "--stage", "in_review", "--json"]);
    const items = d.wlState().items;
    // The audit skill's contract: completed/in_review, awaiting a person's producer review.
    expect(items.find((i) => i.id === "SA-OLDER")).toMatchObject({
      status: "completed",
      stage: "in_review",
      needsProducerReview: true,
      tags: ["audit_closed"],
    });
    expect(items.find((i) => i.id === "SA-NEWER")).toMatchObject({ stage: "in_review" });
    const comment = d.wlState().comments["SA-OLDER"]?.[0];
    expect(comment?.comment).toMatch(/^# AMPA Audit Result\n\n## Summary/);
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).toMatch(
      /^# Review Audit — Review SA-OLDER\n\nSA-OLDER: audit passed, moved to completed\/in_review for producer review \(needsProducerReview, tag audit_closed\)\./,
    );

    // The audited item is in its cooldown now; the other one is next.
    const second = await runReview(d);
    expect(second.code).toBe(0);
    expect(argvOf(d, "opencode").at(-1)).toEqual(["run", "--format", "json", "/audit SA-NEWER"]);
  }, 120_000);

  it("sends a failed audit back to open/plan_complete; an unclear one stays in review", async () => {
    const d = createDoubles({
      wl: {
        items: [inReview("SA-FAIL"), inReview("SA-HUH", { updatedAt: "2026-03-01T00:00:00.000Z" })],
      },
      opencode: {
        responses: [
          { prefix: "/audit SA-FAIL", stdout: FAILING },
          { prefix: "/audit SA-HUH", stdout: "## Summary\nI looked around.\n" },
        ],
      },
    });
    await addReviewAudit();
    const first = await runReview(d);
    expect(first.code).toBe(0);
    expect(d.wlState().items.find((i) => i.id === "SA-FAIL")).toMatchObject({
      status: "open",
      stage: "plan_complete",
    });
    const second = await runReview(d);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("SA-HUH left in review.");
    expect(d.wlState().items.find((i) => i.id === "SA-HUH")).toMatchObject({
      status: "completed",
      stage: "in_review",
    });
    expect(d.wlState().comments["SA-HUH"]).toHaveLength(1);
    expect(posts()[0]).toContain("SA-FAIL: audit failed, moved to open/plan_complete.");
    expect(posts()[1]).toContain("SA-HUH: audit verdict unclear, left in review.");
  }, 120_000);

  it("audit_only comments and posts but never moves the item", async () => {
    const d = createDoubles({
      wl: { items: [inReview("SA-KEEP")] },
      opencode: { responses: [{ prefix: "/audit", stdout: PASSING }] },
    });
    await addReviewAudit({ audit_only: true });
    const run = await runReview(d);
    expect(run.code).toBe(0);
    expect(d.wlState().items[0]).toMatchObject({ status: "completed", stage: "in_review" });
    expect(d.wlState().comments["SA-KEEP"]).toHaveLength(1);
  }, 120_000);

  it("a failed audit run leaves no comment, no move and no cooldown, and fails the run", async () => {
    const d = createDoubles({
      wl: { items: [inReview("SA-ERR")] },
      opencode: { responses: [{ prefix: "/audit", stderr: "model unavailable", exit: 3 }] },
    });
    await addReviewAudit();
    const run = await runReview(d);
    expect(run.code).toBe(1);
    expect(d.wlState().comments["SA-ERR"] ?? []).toHaveLength(0);
    expect(d.wlState().items[0]).toMatchObject({ stage: "in_review" });
    expect(posts()[0]).toContain("SA-ERR — audit failed: opencode run exited 3: model unavailable");
    // Retried next run: no cooldown was recorded.
    await runReview(d);
    expect(argvOf(d, "opencode")).toHaveLength(2);
  }, 120_000);

  it("only items whose stage is in_review count, even from a wl that ignores --stage", async () => {
    const d = createDoubles({
      wl: {
        items: [workItem({ id: "SA-OPEN" })],
        overrides: {
          "list --stage in_review --json": {
            stdout: JSON.stringify({
              success: true,
              count: 1,
              workItems: [workItem({ id: "SA-OPEN" })],
            }),
          },
        },
      },
    });
    await addReviewAudit();
    const run = await runReview(d);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Review audit: no items in review.");
    expect(argvOf(d, "opencode")).toHaveLength(0);
    expect(posts()).toHaveLength(0);
  }, 120_000);

  it("hostile ids and audit text stay data", async () => {
    const d = createDoubles({
      wl: {
        items: [
          inReview("SA-1;touch PWNED"),
          inReview("SA-OK", { title: "$(touch PWNED) `touch PWNED`" }),
        ],
      },
      opencode: {
        responses: [{ prefix: "/audit", stdout: "$(touch PWNED)\nCan this item be closed? Yes" }],
      },
    });
    await addReviewAudit();
    const run = await runReview(d);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Skipped a work item with a malformed id");
    expect(argvOf(d, "opencode")).toEqual([["run", "--format", "json", "/audit SA-OK"]]);
    expect(pwnedFiles(d)).toEqual([]);
  }, 120_000);

  it("ampa add refuses bad review-audit metadata with exit 2", async () => {
    const bad = await addReview('{"audit_cooldown_hours":"soon"}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Invalid --metadata: audit_cooldown_hours:");
    expect((await runCli(["list", "--json"], cli.env)).stdout).toBe("[]\n");
  }, 120_000);
});

/** The current skill's report: its verdict is the `Ready to close:` line. */
const report = (id: string, ready: "Yes" | "No") =>
  [
    `# Audit of ${id}`,
    "## Summary",
    `Checked ${id}.`,
    "## Recommendation",
    `Ready to close: ${ready}`,
  ].join("\n");

const wlCalls = (d: Doubles, verb: string) => argvOf(d, "wl").filter((a) => a[0] === verb);
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe("audit contract (newer wl: audit-set / audit-show)", () => {
  it("stores AMPA's audit with audit-set instead of a comment and closes a pass for producer review", async () => {
    const d = createDoubles({
      wl: { mode: "newer", items: [inReview("SA-A")] },
      opencode: { responses: [{ prefix: "/audit", stdout: report("SA-A", "Yes") }] },
    });
    await addReviewAudit();
    const run = await runReview(d);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Stored the audit of SA-A with wl audit-set.");
    const state = d.wlState();
    expect(state.audits?.["SA-A"]).toMatchObject({ readyToClose: true, summary: "Checked SA-A." });
    expect(String(state.audits?.["SA-A"]?.rawOutput)).toContain("Ready to close: Yes");
    expect(state.comments["SA-A"] ?? []).toEqual([]);
    expect(state.items.find((i) => i.id === "SA-A")).toMatchObject({
      status: "completed",
      stage: "in_review",
      needsProducerReview: true,
      tags: ["audit_closed"],
    });
    // Detected once per run: one `wl --help` and one `wl next --help` (run side by side,
    // so in either order).
    const helps = argvOf(d, "wl").filter((a) => a.includes("--help"));
    expect(helps.map((a) => a.join(" ")).sort()).toEqual(["--help", "next --help"]);
  }, 120_000);

  it("counts another auditor's stored audit for the cooldown, and re-audits an item changed since", async () => {
    const stored = (id: string, at: string) => ({
      issueId: id,
      readyToClose: false,
      summary: "gaps",
      rawOutput: report(id, "No"),
      auditedAt: at,
    });
    const d = createDoubles({
      wl: {
        mode: "newer",
        items: [
          // Audited 10 minutes ago by the skill, whose own writes came within the minute
          // after: unchanged, so in its cooldown.
          inReview("SA-SEEN", { updatedAt: minutesAgo(9.5) }),
          // Audited an hour ago, changed 5 minutes ago: audited again at once.
          inReview("SA-EDITED", { updatedAt: minutesAgo(5) }),
        ],
        audits: {
          "SA-SEEN": stored("SA-SEEN", minutesAgo(10)),
          "SA-EDITED": stored("SA-EDITED", minutesAgo(60)),
        },
      },
      opencode: { responses: [{ prefix: "/audit", stdout: report("x", "No") }] },
    });
    await addReviewAudit();
    const run = await runReview(d);
    expect(run.code).toBe(0);
    // SA-SEEN is the least recently updated, but in its cooldown (6 h) by audit-show.
    expect(run.stdout).toContain("SA-SEEN is in its audit cooldown (6 h).");
    expect(run.stdout).toContain("SA-EDITED changed since its last audit.");
    expect(argvOf(d, "opencode")).toEqual([["run", "--format", "json", "/audit SA-EDITED"]]);
    expect(d.wlState().items.find((i) => i.id === "SA-EDITED")).toMatchObject({
      status: "open",
      stage: "plan_complete",
    });
  }, 120_000);

  it("never moves or re-stores what the audit skill already stored and moved", async () => {
    const d = createDoubles({
      wl: { mode: "newer", items: [inReview("SA-SKILL")] },
      opencode: {
        responses: [
          {
            prefix: "/audit",
            // The skill's own lifecycle: store, then move a "No" back to planning. Its
            // printed text says nothing AMPA can read: the stored verdict decides.
            wl: [
              ["audit-set", "SA-SKILL", "--ready-to-close", "no", "--summary", "gaps"],
              ["update", "SA-SKILL", "--status", "open", "--stage", "plan_complete"],
            ],
            stdout: "Work item is not ready to close (see above).",
          },
        ],
      },
    });
    await addReviewAudit();
    const run = await runReview(d);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "The audit skill stored its audit of SA-SKILL (wl audit-show): verdict fail.",
    );
    expect(run.stdout).toContain("SA-SKILL left at open/plan_complete, where the audit moved it.");
    // One audit-set and one update, both the skill's; no AMPA comment.
    expect(wlCalls(d, "audit-set")).toHaveLength(1);
    expect(wlCalls(d, "update")).toHaveLength(1);
    expect(d.wlState().comments["SA-SKILL"] ?? []).toEqual([]);
    expect(posts()[0]).toContain("SA-SKILL: audit failed, left at open/plan_complete");
  }, 120_000);
});

describe("audit contract (wl 0.0.1: no audit-set)", () => {
  it("reads the Ready to close line, comments, and honours the skill's `# Audit Result` comments", async () => {
    const d = createDoubles({
      wl: {
        items: [
          inReview("SA-YES", { updatedAt: "2026-02-11T00:00:00.000Z" }),
          inReview("SA-SKILLED", { updatedAt: "2026-02-10T00:00:00.000Z" }),
        ],
        comments: {
          // The current skill's comment, 10 minutes old: SA-SKILLED is in its cooldown.
          "SA-SKILLED": [
            {
              id: "SA-C1",
              workItemId: "SA-SKILLED",
              author: "audit-bot",
              comment: "# Audit Result\n\nReady to close: No",
              createdAt: minutesAgo(10),
              references: [],
            },
          ],
        },
      },
      opencode: { responses: [{ prefix: "/audit", stdout: report("SA-YES", "Yes") }] },
    });
    await addReviewAudit();
    const run = await runReview(d);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("SA-SKILLED is in its audit cooldown (6 h).");
    expect(run.stdout).toContain("Audited SA-YES: verdict pass");
    expect(wlCalls(d, "audit-set")).toEqual([]);
    expect(d.wlState().comments["SA-YES"]?.[0]?.comment).toMatch(/^# AMPA Audit Result\n/);
    expect(d.wlState().items.find((i) => i.id === "SA-YES")).toMatchObject({
      needsProducerReview: true,
      tags: ["audit_closed"],
    });
  }, 120_000);
});
