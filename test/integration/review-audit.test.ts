import { describe, expect, it } from "vitest";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { cliHarness } from "../support/harness.js";
import { argvOf, createDoubles, type Doubles, pwnedFiles, workItem } from "../support/doubles.js";

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
const runReview = (d: Doubles) => runCli(["run-once", "review"], { ...cli.env, ...d.env });

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

// Each test runs the CLI several times (a process start each): generous time on a loaded machine.
describe("review audit", () => {
  it("audits the oldest item in review, comments, moves a pass to completed/done and posts once", async () => {
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
    const run = await runReview(d);
    expect(run.stdout).toContain("Audited SA-OLDER: verdict pass");
    expect(run.code).toBe(0);
    expect(argvOf(d, "opencode")).toEqual([["run", "/audit SA-OLDER"]]);
    expect(argvOf(d, "wl")).toContainEqual(["list", "--stage", "in_review", "--json"]);
    const items = d.wlState().items;
    expect(items.find((i) => i.id === "SA-OLDER")).toMatchObject({
      status: "completed",
      stage: "done",
    });
    expect(items.find((i) => i.id === "SA-NEWER")).toMatchObject({ stage: "in_review" });
    const comment = d.wlState().comments["SA-OLDER"]?.[0];
    expect(comment?.comment).toMatch(/^# AMPA Audit Result\n\n## Summary/);
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).toMatch(
      /^# Review Audit — Review SA-OLDER\n\nSA-OLDER: audit passed, moved to completed\/done\./,
    );

    // The audited item is in its cooldown now; the other one is next.
    const second = await runReview(d);
    expect(second.code).toBe(0);
    expect(argvOf(d, "opencode").at(-1)).toEqual(["run", "/audit SA-NEWER"]);
  }, 120_000);

  it("sends a failed audit back to in-progress/in_progress; an unclear one stays in review", async () => {
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
      status: "in-progress",
      stage: "in_progress",
    });
    const second = await runReview(d);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("SA-HUH left in review.");
    expect(d.wlState().items.find((i) => i.id === "SA-HUH")).toMatchObject({
      status: "completed",
      stage: "in_review",
    });
    expect(d.wlState().comments["SA-HUH"]).toHaveLength(1);
    expect(posts()[0]).toContain("SA-FAIL: audit failed, moved to in-progress/in_progress.");
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
    expect(argvOf(d, "opencode")).toEqual([["run", "/audit SA-OK"]]);
    expect(pwnedFiles(d)).toEqual([]);
  }, 120_000);

  it("ampa add refuses bad review-audit metadata with exit 2", async () => {
    const bad = await addReview('{"audit_cooldown_hours":"soon"}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Invalid --metadata: audit_cooldown_hours:");
    expect((await runCli(["list", "--json"], cli.env)).stdout).toBe("[]\n");
  }, 120_000);
});
