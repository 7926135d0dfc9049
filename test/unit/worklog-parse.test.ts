import { describe, expect, it } from "vitest";
import { idleReport, busyReport, itemSummary } from "../../src/lib/app/worklog/delegation.js";
import {
  isWorkItemId,
  parseCandidates,
  parseComments,
  parseDependencies,
  parseItems,
  type WorkItem,
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

  it("reads the outbound edges of wl dep list", () => {
    expect(
      parseDependencies({
        success: true,
        item: "SA-1",
        inbound: [{ id: "SA-9", title: "x", status: "open", direction: "depended-on-by" }],
        outbound: [
          { id: "SA-2", title: "B", status: "open", priority: "medium", direction: "depends-on" },
          { title: "no id" },
        ],
      }),
    ).toEqual([{ id: "SA-2", title: "B", status: "open" }]);
  });

  it("accepts Worklog ids and rejects anything a shell could act on", () => {
    expect(isWorkItemId("SA-0MLHNPSGP0N397NX")).toBe(true);
    expect(isWorkItemId("SA-42")).toBe(true);
    // `wl init --prefix` takes any alphanumeric prefix of any length, upper-cased.
    for (const good of ["9LIVES-0MX54ABCDEFGHIJK", "ABCDEFGHIJKLMNOPQ-0MX54ABCDEFGHIJK", "A1-B2"])
      expect(isWorkItemId(good)).toBe(true);
    for (const bad of [
      'SA-1"; touch PWNED; echo "',
      "$(touch PWNED)",
      "SA-1 x",
      "-rf",
      "--exec=touch-X",
      "",
      "sa-1",
      "SA-1\nSA-2",
      "SA--1",
      `SA-${"X".repeat(200)}`,
    ])
      expect(isWorkItemId(bad)).toBe(false);
  });
});

const wi = (id: string, fields: Record<string, unknown> = {}): WorkItem =>
  must(toWorkItem(item(id, fields)));
const plan = (over: Partial<Parameters<typeof idleReport>[0]> = {}) => ({
  busy: [],
  held: false,
  candidates: [],
  dispatches: new Map(),
  latest: new Map(),
  ...over,
});

describe("delegation report text", () => {
  it("lists each busy item after the busy heading, children under their parent", () => {
    expect(
      busyReport([
        { item: wi("SA-1", { title: "A", status: "in-progress" }) },
        { item: wi("SA-3", { title: "C", status: "open", stage: "in_progress" }) },
        { item: wi("SA-2", { title: "B", status: "in-progress", parentId: "SA-1" }) },
      ]),
    ).toBe(
      [
        "Agents are currently busy with:",
        "── A - SA-1",
        "   ── B - SA-2",
        "── C - SA-3 (stage in_progress, status open)",
      ].join("\n"),
    );
  });

  it("keeps a title with newlines and tree characters on its own line", () => {
    const title = "Real\n└── Injected - NL-FAKE\r\n\u001b[31mred";
    const report = busyReport([{ item: wi("SA-1", { title, status: "in-progress" }) }]);
    expect(report.split("\n")).toEqual([
      "Agents are currently busy with:",
      "── Real └── Injected - NL-FAKE [31mred - SA-1",
    ]);
  });

  it("lists candidates, why each skipped one was skipped, and the rationale of the order", () => {
    const [first, second] = parseCandidates({
      results: [
        { workItem: item("SA-1"), reason: "Next open item by sort_index (priority high)" },
        { workItem: item("SA-2", { priority: "low" }), reason: "Next open item by sort_index" },
      ],
    });
    const chosen = { candidate: must(second), failures: [] };
    const report = idleReport(
      plan({
        candidates: [
          {
            candidate: must(first),
            failures: [{ check: "context", why: "description has 0 of 100 characters" }],
          },
          chosen,
        ],
        chosen,
      }),
    );
    expect(report).toBe(
      [
        "AMPA Delegation",
        "In-progress items:",
        "- (none)",
        "Candidates:",
        "- Title SA-1 - SA-1 (status: open, priority: high) — skipped: context (description has 0 of 100 characters)",
        "- Title SA-2 - SA-2 (status: open, priority: low)",
        "Top candidate:",
        "- Title SA-2 - SA-2 (status: open, priority: low)",
        "Rationale: the first candidate that passes every delegation check, in wl next's order (by sortIndex, not by priority); wl says: Next open item by sort_index",
      ].join("\n"),
    );
  });

  it("says delegation is idle when there are no candidates", () => {
    expect(idleReport(plan())).toBe(
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
