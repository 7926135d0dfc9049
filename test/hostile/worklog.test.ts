import { describe, expect, it } from "vitest";
import { oneLine } from "../../src/lib/app/worklog/busy.js";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { argvOf, createDoubles, delegable, workItem } from "../support/doubles.js";
import {
  allPayloads,
  executed,
  freshStacks,
  markerDir,
  rawResponses,
  shellPayloads,
} from "./hostile.js";

/**
 * What wl, opencode and gh answer is untrusted. Malformed wl JSON is a clear error and
 * nothing is dispatched; shell metacharacters in any field they return never execute, and
 * every value passed on to a tool is one argv element (the doubles record argv).
 */

const fresh = freshStacks();

/** An open item at stage idea: what live delegation would dispatch if it misread wl. */
const OPEN = workItem({ id: "SA-1", title: "Open item", stage: "idea" });
const valid = JSON.stringify({ success: true, count: 0, workItems: [] });

const MALFORMED: [string, Buffer | string, string][] = [
  ["truncated", '{"success":true,"count":1,"workItems":[{"id":"SA-9"', "returned invalid JSON"],
  ["empty", "", "returned invalid JSON"],
  ["a warning line before the JSON", `Update available: wl 0.0.2\n${valid}`, "invalid JSON"],
  [
    "non-UTF-8 bytes",
    Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(valid)]),
    "invalid",
  ],
  [
    "over 16 MB (cut at the 16 MB read limit)",
    `{"success":true,"workItems":[{"id":"SA-9","title":"${"x".repeat(20 * 1024 * 1024)}"}]}`,
    "returned invalid JSON",
  ],
  ["the list as a string", '{"success":true,"workItems":"SA-9"}', "unknown shape"],
  ["no list at all", '{"success":true}', "unknown shape"],
  ["a bare string", '"1 item in progress"', "unknown shape"],
  ["a number", "1", "unknown shape"],
  ["null", "null", "unknown shape"],
  [
    "entries that are not items",
    '{"success":true,"workItems":[1,null]}',
    "2 entries that are not work items",
  ],
  [
    "an entry without an id",
    '{"success":true,"workItems":[{"title":"x"}]}',
    "1 entry that is not a work item",
  ],
];

describe("malformed wl in_progress JSON", () => {
  it.concurrent.each(MALFORMED)(
    "%s: delegation fails with a clear error and dispatches nothing",
    (_name, bytes, message) =>
      fresh(async ({ env }) => {
        const d = createDoubles({ wl: { items: [OPEN] } });
        rawResponses(d, "wl", { "in_progress --json": bytes });
        const result = await runCli(["delegation"], { ...env, ...d.env });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("ampa: Delegation report unavailable: wl in_progress");
        expect(result.stderr).toContain(message);
        expect(result.stderr.length).toBeLessThan(1000);
        expect(argvOf(d, "opencode")).toEqual([]);
        expect(d.wlState().items).toEqual([OPEN]);
      }),
  );

  it.each(MALFORMED.filter((_c, i) => i % 4 === 0))(
    "%s: the triage audit fails before choosing an item, posting and auditing nothing",
    (_name, bytes, message) =>
      fresh(async ({ table, env, posts }) => {
        const d = createDoubles({ wl: { items: [OPEN] } });
        rawResponses(d, "wl", { "in_progress --json": bytes });
        await addAsCli(table.store, ["audit", "", "60", "0"], { type: "triage-audit" });
        const result = await runCli(["run-once", "audit"], { ...env, ...d.env });
        expect(result.code).toBe(1);
        expect(result.stdout).toContain("Triage audit failed: wl in_progress");
        expect(result.stdout).toContain(message);
        expect(argvOf(d, "opencode")).toEqual([]);
        expect(posts()).toEqual([]);
      }),
  );
});

describe("malformed wl next JSON", () => {
  it.concurrent.each([
    ["truncated", '{"success":true,"results":[{"workItem":', "returned invalid JSON"],
    ["the results as a string", '{"success":true,"results":"SA-1"}', "unknown shape"],
    ["non-UTF-8 bytes", Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), "returned invalid JSON"],
  ])("%s: no report, nothing dispatched", (_name, bytes, message) =>
    fresh(async ({ env }) => {
      const d = createDoubles({ wl: { items: [OPEN] } });
      rawResponses(d, "wl", { "next -n 3 --json": bytes, "next --json": bytes });
      const result = await runCli(["delegation"], { ...env, ...d.env });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("ampa: Delegation report unavailable: wl next");
      expect(result.stderr).toContain(message);
      expect(argvOf(d, "opencode")).toEqual([]);
    }),
  );
});

describe("shell metacharacters in every field wl, opencode and gh return", () => {
  it("titles, descriptions, assignee and priority: shown as text, only the id prompt is dispatched", () =>
    fresh(async ({ env, posts }) => {
      const marker = markerDir();
      const p = shellPayloads(marker);
      const title = `${allPayloads(marker)} ${"padding ".repeat(120)}`;
      const item = delegable({
        id: "SA-1",
        stage: "idea",
        title,
        description: `${allPayloads(marker)}\nAcceptance criteria: nothing runs`,
        assignee: p.semicolon,
        priority: p.pipe,
        tags: [p.and],
      });
      const d = createDoubles({ wl: { items: [item] } });
      // Summarizing is an opt-in (it runs an agent on the report).
      const summarize = { AMPA_SUMMARIZE_WITH_AGENT: "1" };
      const result = await runCli(["delegation", "--discord"], { ...env, ...d.env, ...summarize });
      expect(result.code).toBe(0);
      // Shown on one line: a newline in a title cannot start a line of its own.
      expect(result.stdout).toContain(oneLine(title));
      expect(result.stdout).toContain("Delegation: dispatched intake SA-1");
      const opencode = argvOf(d, "opencode");
      expect(opencode[0]?.at(-1)).toMatch(/^\/intake SA-1 /);
      // The report is over 1,000 characters: summarized by opencode, the report one argv element.
      expect(opencode[1]).toHaveLength(2);
      expect(opencode[1]?.[1]).toMatch(/^summarize this content in under 1000 characters\.\n/);
      expect(opencode[1]?.[1]).toContain(oneLine(title));
      for (const argv of argvOf(d, "wl")) expect(argv.join(" ")).not.toContain(marker);
      expect(posts()).toHaveLength(1);
      expect(executed(marker)).toEqual([]);
    }));

  it.concurrent.each(Object.entries(shellPayloads("/tmp/never")))(
    "a work item id %s: refused, never passed to a tool",
    (name) =>
      fresh(async ({ env }) => {
        const marker = markerDir();
        const id = shellPayloads(marker)[name] ?? "";
        const d = createDoubles({ wl: { items: [workItem({ id, stage: "idea" })] } });
        const result = await runCli(["delegation"], { ...env, ...d.env });
        expect(result.stdout).toContain("malformed work item id");
        expect(argvOf(d, "opencode")).toEqual([]);
        for (const argv of argvOf(d, "wl")) expect(argv).not.toContain(id);
        expect(executed(marker)).toEqual([]);
      }),
  );

  it.concurrent.each(Object.entries(shellPayloads("/tmp/never")))(
    "a stage %s: skipped with a note, nothing dispatched",
    (name) =>
      fresh(async ({ env }) => {
        const marker = markerDir();
        const stage = shellPayloads(marker)[name] ?? "";
        const d = createDoubles({ wl: { items: [delegable({ id: "SA-1", stage })] } });
        const result = await runCli(["delegation"], { ...env, ...d.env });
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`delegable_stage (stage ${JSON.stringify(stage)}`);
        expect(argvOf(d, "opencode")).toEqual([]);
        expect(executed(marker)).toEqual([]);
      }),
  );

  it("a triage audit: audit text, PR URLs, comments and gh output stay data; the comment is one argv element", () =>
    fresh(async ({ table, env, posts }) => {
      const marker = markerDir();
      const p = shellPayloads(marker);
      const auditOutput = [
        "## Summary",
        allPayloads(marker),
        `PR merged: https://github.com/acme/app/pull/7${p.dollarParen}`,
        `also https://github.com/--json/evil/pull/9${p.backticks} merged, ready to close`,
        "--author mallory --status completed",
      ].join("\n");
      const item = workItem({
        id: "SA-2",
        status: "in-progress",
        stage: "in_progress",
        title: p.doubleQuote,
        description: `See https://github.com/acme/app/pull/7;${p.semicolon}`,
        assignee: p.option,
      });
      const d = createDoubles({
        wl: {
          items: [item],
          comments: {
            "SA-2": [
              {
                id: "SA-C1",
                workItemId: "SA-2",
                author: p.pipe,
                comment: `# AMPA Audit Result\n${p.newline}`,
                createdAt: p.backticks,
                references: [],
              },
            ],
          },
        },
        opencode: { responses: [{ prefix: "/audit", stdout: auditOutput }] },
      });
      rawResponses(d, "gh", {
        "pr view 7 --repo acme/app --json merged": `{"merged":"${p.dollarParen}"}`,
        "pr view 9 --repo --json/evil --json merged": `${p.semicolon}\n`,
      });
      await addAsCli(table.store, ["audit", "", "60", "0"], { type: "triage-audit" });
      const result = await runCli(["run-once", "audit"], { ...env, ...d.env });
      expect(result.code).toBe(0);
      expect(argvOf(d, "opencode")).toEqual([["run", "--format", "json", "/audit SA-2"]]);
      expect(argvOf(d, "gh")).toEqual([
        ["pr", "view", "7", "--repo", "acme/app", "--json", "merged"],
        ["pr", "view", "9", "--repo", "--json/evil", "--json", "merged"],
      ]);
      expect(argvOf(d, "wl")).toContainEqual([
        "comment",
        "add",
        "SA-2",
        "--comment",
        `# AMPA Audit Result\n\n${auditOutput}`,
        "--author",
        "ampa",
        "--json",
      ]);
      // gh did not confirm a merge: nothing completed.
      expect(argvOf(d, "wl").filter((argv) => argv[0] === "update")).toEqual([]);
      expect(result.stdout).toContain("Not auto-completed: gh did not confirm a merged PR.");
      expect(posts().map((m) => m.content.split("\n")[0])).toEqual([
        `# Triage Audit — ${p.doubleQuote}`,
      ]);
      expect(executed(marker)).toEqual([]);
    }));
});
