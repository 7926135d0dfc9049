import { describe, expect, it } from "vitest";
import { idleReport, busyReport, itemSummary } from "../../src/lib/app/worklog/delegation.js";
import {
  isWorkItemId,
  parseCandidates,
  parseComments,
  parseInProgressTree,
  parseItems,
  toWorkItem,
} from "../../src/lib/app/worklog/wl.js";
import { must } from "../support/commands.js";

const item = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: `Title ${id}`,
  status: "open",
  priority: "high",
  stage: "idea",
  ...extra,
});

describe("parsing wl responses", () => {
  it("reads the single-result shape of wl next with its reason", () => {
    expect(
      parseCandidates({ success: true, workItem: item("SA-1"), reason: "Next open item" }),
    ).toMatchObject([{ item: { id: "SA-1", title: "Title SA-1" }, reason: "Next open item" }]);
  });

  it("reads `workItem: null` as no candidates", () => {
    expect(
      parseCandidates({ success: true, workItem: null, reason: "No work items available" }),
    ).toEqual([]);
  });

  it("reads wl next -n results, dropping the trailing null of older versions", () => {
    const json = {
      success: true,
      count: 2,
      results: [
        { workItem: item("SA-1"), reason: "first" },
        { workItem: item("SA-2"), reason: "second" },
        { workItem: null },
      ],
    };
    expect(parseCandidates(json).map((c) => [c.item.id, c.reason])).toEqual([
      ["SA-1", "first"],
      ["SA-2", "second"],
    ]);
  });

  it.each([
    ["a bare list", [item("SA-1")]],
    ["candidates", { candidates: [item("SA-1")] }],
    ["workItems", { workItems: [item("SA-1")] }],
    ["work_items", { work_items: [item("SA-1")] }],
    ["items", { items: [item("SA-1")] }],
    ["data", { data: [item("SA-1")] }],
    ["work_item", { work_item: item("SA-1") }],
    ["item", { item: item("SA-1") }],
  ])("accepts the alternative shape %s", (_name, json) => {
    expect(parseItems(json).map((i) => i.id)).toEqual(["SA-1"]);
  });

  it("ignores entries without an id and shapes it does not know", () => {
    expect(parseItems({ workItems: [{ title: "no id" }, 3, null] })).toEqual([]);
    expect(parseItems({ something: [item("SA-1")] })).toEqual([]);
    expect(parseItems("text")).toEqual([]);
  });

  it("fills unset fields with empty strings and keeps the raw item", () => {
    const parsed = must(toWorkItem({ id: "SA-1" }));
    expect(parsed).toMatchObject({ title: "", status: "", stage: "", parentId: null });
    expect(parsed.raw).toEqual({ id: "SA-1" });
  });

  it("reads comments from wl show and wl comment list", () => {
    const comment = {
      id: "SA-C1",
      author: "a",
      comment: "hi",
      createdAt: "2026-02-10T18:05:00.000Z",
    };
    expect(parseComments({ success: true, workItem: item("SA-1"), comments: [comment] })).toEqual([
      { id: "SA-C1", author: "a", comment: "hi", createdAt: "2026-02-10T18:05:00.000Z" },
    ]);
    expect(parseComments({ success: true, count: 0, comments: [] })).toEqual([]);
  });

  it("reads the Title - ID lines of the plain in_progress tree at every depth", () => {
    const tree = [
      "",
      "Found 3 in-progress work item(s):",
      "",
      "├── Epic parent - SA-0MWTTBZRM0A8CEMM",
      "│   Status: in-progress · Stage: in_progress | Priority: high",
      "│   └── Child A - SA-0MWTTBZVI1HLLL0Q",
      "│       Status: in-progress · Stage: plan_complete | Priority: medium",
      "└── Other - with dash - SA-0MWTTBZVI1HLLL0R",
      "    Assignee: alice",
      "",
    ].join("\n");
    expect(parseInProgressTree(tree)).toEqual([
      "Epic parent - SA-0MWTTBZRM0A8CEMM",
      "Child A - SA-0MWTTBZVI1HLLL0Q",
      "Other - with dash - SA-0MWTTBZVI1HLLL0R",
    ]);
    expect(parseInProgressTree("No in-progress work items found\n")).toEqual([]);
  });

  it("accepts Worklog ids and rejects anything a shell could act on", () => {
    expect(isWorkItemId("SA-0MLHNPSGP0N397NX")).toBe(true);
    expect(isWorkItemId("SA-42")).toBe(true);
    for (const bad of ['SA-1"; touch PWNED; echo "', "$(touch PWNED)", "SA-1 x", "-rf", "", "sa-1"])
      expect(isWorkItemId(bad)).toBe(false);
  });
});

describe("delegation report text", () => {
  it("lists each in-progress item after the busy heading", () => {
    expect(busyReport(["A - SA-1", "B - SA-2"])).toBe(
      "Agents are currently busy with:\n── A - SA-1\n── B - SA-2",
    );
  });

  it("lists candidates and the top candidate with its rationale", () => {
    const candidates = parseCandidates({
      results: [
        { workItem: item("SA-1"), reason: "Next open item by sort_index (priority high)" },
        { workItem: item("SA-2", { priority: "low" }) },
      ],
    });
    expect(idleReport(candidates)).toBe(
      [
        "AMPA Delegation",
        "In-progress items:",
        "- (none)",
        "Candidates:",
        "- Title SA-1 - SA-1 (status: open, priority: high)",
        "- Title SA-2 - SA-2 (status: open, priority: low)",
        "Top candidate:",
        "- Title SA-1 - SA-1 (status: open, priority: high)",
        "Rationale: Next open item by sort_index (priority high)",
      ].join("\n"),
    );
  });

  it("says delegation is idle when there are no candidates", () => {
    expect(idleReport([])).toBe(
      [
        "AMPA Delegation",
        "In-progress items:",
        "- (none)",
        "Candidates:",
        "- (none)",
        "Top candidate:",
        "- (none)",
        "Summary: delegation is idle (no in-progress items or candidates).",
      ].join("\n"),
    );
  });

  it("summarizes an item with its fields, a description excerpt and fenced JSON", () => {
    const summary = itemSummary(
      must(toWorkItem(item("SA-1", { description: "x".repeat(600), assignee: "" }))),
    );
    expect(summary.split("\n").slice(0, 6)).toEqual([
      "# Title SA-1 - SA-1",
      "",
      "- ID: SA-1",
      "- Status/Stage: open/idea",
      "- Priority: high",
      "- Assignee: (unassigned)",
    ]);
    expect(summary).toContain(`${"x".repeat(500)}…`);
    expect(summary).toContain('```json\n{\n  "id": "SA-1"');
  });
});
