import { describe, expect, it } from "vitest";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { cliHarness } from "../support/harness.js";
import { argvOf, createDoubles, type Doubles, pwnedFiles } from "../support/doubles.js";
import { runOnceInProcess } from "../support/run-once.js";

/** The pr-monitor type end to end: `ampa run-once` with the gh and wl doubles. */

const cli = cliHarness();
const posts = cli.posts;
const created = (d: Doubles) =>
  d.wlState().items.filter((i) => (i.tags as string[]).includes("pr-monitor"));

const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);
const pr = (number: number, headRefOid: string, title = `PR ${number}`) => ({
  number,
  title,
  url: `https://github.com/acme/app/pull/${number}`,
  headRefName: `feature/${number}`,
  headRefOid,
  isDraft: false,
});

/** `ampa add <id>` of type pr-monitor with the metadata as given (JSON text). */
const addPrMonitor = (id: string, metadataJson: string) =>
  runCli(["add", id, "", "60", "0", "--type", "pr-monitor", "--metadata", metadataJson], cli.env);
/** The same, written through the store: `add` is the subject only of the refusal below. */
async function addMonitor(metadata: Record<string, unknown> = {}) {
  await addAsCli(cli.store, ["prs", "", "60", "0"], {
    type: "pr-monitor",
    metadata: JSON.stringify(metadata),
  });
}
/**
 * `ampa run-once prs` in this process (test/support/run-once.ts says why); the first
 * test's first run and the refusal at `ampa add` run the real executable.
 */
const runMonitor = (d: Doubles) => runOnceInProcess("prs", { ...cli.env, ...d.env });
/** The real `ampa run-once prs`, end to end through the executable. */
const runMonitorCli = (d: Doubles) => runCli(["run-once", "prs"], { ...cli.env, ...d.env });

// Generous time: each test runs the monitor (and its doubles' processes) more than once.
describe("PR monitor", () => {
  it("a failing PR gets one critical work item and one post, never again for the same commit", async () => {
    const d = createDoubles({
      gh: {
        open: [pr(7, SHA_A, "Fix login"), pr(8, SHA_B), pr(9, SHA_B)],
        checks: {
          "7": [
            { name: "unit", bucket: "fail", state: "FAILURE", link: "https://ci/1" },
            { name: "lint", bucket: "pass", state: "SUCCESS", link: "https://ci/2" },
          ],
          "8": [{ name: "unit", bucket: "pending", state: "IN_PROGRESS", link: "" }],
        },
      },
    });
    await addMonitor();
    const first = await runMonitorCli(d);
    expect(first.stdout).toContain(
      "PR monitor: 3 open PR(s): 1 failing (1 newly reported), 1 pending, 1 passing.",
    );
    expect(first.code).toBe(0);
    const items = created(d);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      title: "CI failing on PR #7: Fix login",
      priority: "critical",
    });
    expect(items[0]?.description).toContain("- unit");
    expect(items[0]?.description).toContain(`at commit ${SHA_A}`);
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).toMatch(
      /^# PR Monitor — PR #7 failing\n\nFix login\nhttps:\/\/github.com\/acme\/app\/pull\/7/,
    );
    expect(posts()[0]).toContain(`Work item: ${String(items[0]?.id)}`);
    expect(argvOf(d, "gh")).toContainEqual([
      "pr",
      "checks",
      "7",
      "--json",
      "name,bucket,state,link",
    ]);

    const second = await runMonitor(d);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      `PR #7 at aaaaaaa: failing, already reported as ${String(items[0]?.id)}.`,
    );
    expect(created(d)).toHaveLength(1);
    expect(posts()).toHaveLength(1);
  }, 120_000);

  it("a new head commit that fails again is reported again", async () => {
    const d = createDoubles({
      gh: { open: [pr(7, SHA_A)], checks: { "7": [{ name: "unit", bucket: "fail" }] } },
    });
    await addMonitor();
    await runMonitor(d);
    const gh = JSON.parse(
      JSON.stringify({ open: [pr(7, SHA_B)], checks: { "7": [{ name: "unit", bucket: "fail" }] } }),
    );
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${d.dir}/gh.json`, JSON.stringify(gh));
    await runMonitor(d);
    expect(created(d)).toHaveLength(2);
    expect(posts()).toHaveLength(2);
  }, 120_000);

  it("a wl create that fails gives the claim back: the next run creates the item", async () => {
    const d = createDoubles({
      gh: { open: [pr(7, SHA_A)], checks: { "7": [{ name: "unit", bucket: "fail" }] } },
      wl: { items: [], overrides: {} },
    });
    const state = d.wlState();
    const { writeFileSync } = await import("node:fs");
    const createArgv = (
      await import("../../src/lib/app/commands/pr-monitor/monitor.js")
    ).workItemFor({ ...pr(7, SHA_A), title: "PR 7" }, [{ name: "unit", bucket: "fail" }]);
    const key = [
      "create",
      "--title",
      createArgv.title,
      "--description",
      createArgv.description,
      "--priority",
      "critical",
      "--tags",
      "pr-monitor,outside-text,do-not-delegate",
      "--json",
    ].join(" ");
    writeFileSync(
      `${d.dir}/wl.json`,
      JSON.stringify({
        ...state,
        overrides: {
          [key]: [{ stderr: '{"success":false,"error":"disk full"}', exit: 1 }, "fallthrough"],
        },
      }),
    );
    await addMonitor();
    const first = await runMonitor(d);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(
      "the work item could not be created (wl create failed: disk full); retried next run.",
    );
    expect(posts()).toHaveLength(0);
    const second = await runMonitor(d);
    expect(second.code).toBe(0);
    expect(created(d)).toHaveLength(1);
    expect(posts()).toHaveLength(1);
  }, 120_000);

  it("gh output is untrusted: hostile titles, branches and check names stay data", async () => {
    const hostile = "x\n# Forged heading $(touch PWNED) `touch PWNED`; touch PWNED\u202e";
    const d = createDoubles({
      gh: {
        open: [
          { ...pr(7, SHA_A, hostile), headRefName: "$(touch PWNED)", url: "javascript:alert(1)" },
          { number: "8; touch PWNED", title: "bad", headRefOid: SHA_A },
          { number: 9, title: "bad sha", headRefOid: "--upload-pack=touch PWNED" },
          "not an object",
        ],
        checks: {
          "7": [
            { name: `unit${hostile}`, bucket: "fail" },
            { name: 5, bucket: "weird" },
          ],
        },
      },
    });
    await addMonitor();
    const run = await runMonitor(d);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Skipped 3 PR entr(ies) gh returned in an unexpected shape.");
    expect(pwnedFiles(d)).toEqual([]);
    const [item] = created(d);
    expect(item?.title).not.toContain("\n");
    expect(item?.title).toContain("$(touch PWNED)");
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).not.toContain("\n# Forged");
    expect(posts()[0]).not.toContain("javascript:");
    // Only PR 7 was valid: its checks were the one other gh call.
    expect(argvOf(d, "gh").map((argv) => argv.slice(0, 3))).toEqual([
      ["pr", "list", "--state"],
      ["pr", "checks", "7"],
    ]);
  }, 120_000);

  it("gh failing or printing something else fails the run, with nothing created", async () => {
    const d = createDoubles({
      gh: {
        overrides: {
          "pr list --state open --json number,title,url,headRefName,headRefOid --limit 50": {
            stdout: "<html>rate limited</html>",
          },
        },
      },
    });
    await addMonitor();
    const run = await runMonitor(d);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "PR monitor: could not list PRs: gh pr list did not return a JSON list",
    );
    expect(created(d)).toHaveLength(0);
    const missing = createDoubles({}, { omit: ["gh"] });
    const none = await runMonitor(missing);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain("gh is not on PATH");
  }, 120_000);

  it("metadata: max_prs and repo are passed to gh as their own argv elements; bad ones refused at add", async () => {
    const d = createDoubles({ gh: { open: [pr(1, SHA_A), pr(2, SHA_A)] } });
    await addMonitor({ max_prs: 1, repo: "acme/app" });
    const run = await runMonitor(d);
    expect(run.stdout).toContain("PR monitor: 1 open PR(s)");
    const gh = argvOf(d, "gh");
    expect(gh[0]).toEqual([
      "pr",
      "list",
      "--state",
      "open",
      "--json",
      "number,title,url,headRefName,headRefOid",
      "--limit",
      "1",
      "--repo",
      "acme/app",
    ]);
    expect(gh[1]).toEqual([
      "pr",
      "checks",
      "1",
      "--json",
      "name,bucket,state,link",
      "--repo",
      "acme/app",
    ]);
    const bad = await addPrMonitor("prs2", '{"repo":"--upload-pack=x"}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Invalid --metadata: repo: must be owner/repo");
  }, 120_000);
});
