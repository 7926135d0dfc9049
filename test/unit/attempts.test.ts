import { describe, expect, it } from "vitest";
import type { DispatchRecord } from "../../src/lib/core/ports.js";
import {
  attemptsFailure,
  backoffEnd,
  heldBack,
  judge,
  nextAttempt,
} from "../../src/lib/app/worklog/attempts.js";
import { toWorkItem, type WorkItem } from "../../src/lib/app/worklog/wl.js";
import { dispatchRecord } from "../support/commands.js";
import { workItem } from "../support/doubles.js";

const MIN = 60_000;
const STALE = 120 * MIN;
const settings = { maxAttempts: 3, staleAfterMs: STALE };

const item = (fields: Record<string, unknown> = {}): WorkItem => {
  const parsed = toWorkItem(workItem({ id: "SA-1", ...fields }));
  if (!parsed) throw new Error("no item");
  return parsed;
};
const record = (fields: Partial<DispatchRecord> = {}): DispatchRecord =>
  dispatchRecord({ status: "open", attempt: 1, attemptRuns: ["r1"], ...fields });

describe("judging a dispatch", () => {
  it.each([
    ["the agent exited 0 and left it", {}, { agentOk: true }, "unmoved"],
    [
      "AMPA's own in-progress is not a move",
      { status: "in-progress" },
      { agentOk: true },
      "unmoved",
    ],
    ["another stage", { stage: "intake_complete" }, { agentOk: true }, "moved"],
    ["another status (a person is asked)", { status: "input_needed" }, { agentOk: true }, "moved"],
    [
      "a failed agent counts whatever it did",
      { stage: "intake_complete" },
      { agentOk: false },
      "failed",
    ],
    ["an abandoned run that left it", {}, "abandoned", "failed"],
    ["an abandoned run whose item moved", { stage: "plan_complete" }, "abandoned", "moved"],
  ] as const)("%s", (_, fields, end, outcome) => {
    expect(judge(record(), item(fields), end)).toBe(outcome);
  });
});

describe("the backoff and the escalation", () => {
  it("doubles the wait with each dispatch that did not move the item", () => {
    expect([1, 2, 3].map((n) => backoffEnd(n, 1000, STALE))).toEqual([
      1000 + STALE,
      1000 + 2 * STALE,
      1000 + 4 * STALE,
    ]);
  });

  it("holds an item back until its retry time, and only at the stage it was tried at", () => {
    const r = record({ outcome: "unmoved", judgedAt: 0, retryAt: STALE });
    expect(attemptsFailure(r, item(), settings, STALE - 1)?.why).toMatch(
      /^1 of 3 dispatch\(es\) for intake did not move it \(runs r1\); next attempt after 1970-01-01T02:00:00.000Z$/,
    );
    expect(attemptsFailure(r, item(), settings, STALE)).toBeUndefined();
    expect(attemptsFailure(r, item({ stage: "intake_complete" }), settings, 0)).toBeUndefined();
    // A moved dispatch, or one not judged yet, holds nothing back.
    expect(attemptsFailure(record({ outcome: "moved" }), item(), settings, 0)).toBeUndefined();
    expect(attemptsFailure(record(), item(), settings, 0)).toBeUndefined();
  });

  it("holds an escalated item back until its updatedAt moves", () => {
    const at = "2026-12-01T09:00:00.000Z";
    const r = record({ outcome: "unmoved", attempt: 3, escalatedAt: 5, escalatedUpdatedAt: at });
    expect(attemptsFailure(r, item({ updatedAt: at }), settings, 10 ** 13)?.why).toMatch(
      /^escalated after 3 dispatch\(es\)/,
    );
    expect(
      attemptsFailure(r, item({ updatedAt: "2026-12-02T10:00:00.000Z" }), settings, 6),
    ).toBeUndefined();
  });

  it("counts on from the previous dispatch only for the same action, stage and no move", () => {
    const prev = record({ outcome: "failed", attempt: 2, attemptRuns: ["r0", "r1"] });
    expect(nextAttempt(prev, item(), "intake", "r2")).toEqual({
      attempt: 3,
      attemptRuns: ["r0", "r1", "r2"],
    });
    expect(nextAttempt({ ...prev, outcome: "moved" }, item(), "intake", "r2").attempt).toBe(1);
    expect(nextAttempt(prev, item({ stage: "intake_complete" }), "plan", "r2").attempt).toBe(1);
    expect(nextAttempt(undefined, item(), "intake", "r2")).toEqual({
      attempt: 1,
      attemptRuns: ["r2"],
    });
    // Escalated, then changed by a person: a fresh count.
    const escalated = { ...prev, attempt: 3, escalatedAt: 1, escalatedUpdatedAt: "then" };
    expect(nextAttempt(escalated, item({ updatedAt: "later" }), "intake", "r9").attempt).toBe(1);
  });

  it("lets an escalation approved from Discord go: not held, not listed, a fresh count", () => {
    const at = "2026-12-01T09:00:00.000Z";
    const r = record({
      outcome: "unmoved",
      attempt: 3,
      escalatedAt: 5,
      escalatedUpdatedAt: at,
      escalationApprovedAt: 7,
    });
    const unchanged = item({ updatedAt: at });
    expect(attemptsFailure(r, unchanged, settings, 10 ** 13)).toBeUndefined();
    expect(nextAttempt(r, unchanged, "intake", "r9").attempt).toBe(1);
    expect(heldBack([r], 10)).toEqual([]);
  });

  it("lists the escalated items and those waiting out a backoff, soonest first", () => {
    const records = [
      record({ workItemId: "SA-2", outcome: "unmoved", retryAt: 500 }),
      record({ workItemId: "SA-3", outcome: "unmoved", retryAt: 50 }),
      record({ workItemId: "SA-4", outcome: "moved" }),
      record({ workItemId: "SA-5", outcome: "failed", attempt: 3, escalatedAt: 20 }),
    ];
    expect(heldBack(records, 100).map((h) => [h.workItemId, h.state, h.at])).toEqual([
      ["SA-5", "escalated", 20],
      ["SA-2", "backoff", 500],
    ]);
  });
});
