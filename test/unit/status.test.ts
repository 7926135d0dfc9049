import { describe, expect, it } from "vitest";
import { statusReport } from "../../src/cli/status.js";
import { statusCells, statusJson, statusTable } from "../../src/cli/status-text.js";
import type { SelectionOptions } from "../../src/lib/core/scheduler/select.js";
import { heldBack } from "../../src/lib/app/worklog/attempts.js";
import type { DispatchRecord } from "../../src/lib/core/ports.js";
import { command, dispatchRecord, MINUTE, must, T0 } from "../support/commands.js";

const opts: SelectionOptions = {
  priorityWeight: 0.1,
  globalMinIntervalMs: 60_000,
  dueToleranceMs: 30_000,
};

const commands = [
  command("paused-one", { paused: true, lastStartAt: T0 - 3 * MINUTE, lastExitCode: 0 }),
  command("running-one", {
    type: "triage-audit",
    frequencyMinutes: 5,
    lastStartAt: T0 - 2 * MINUTE,
    lastExitCode: 1,
    leaseRunId: "run-1",
    leaseOwner: "tick:req-42",
    leaseExpiresAt: T0 + 9 * MINUTE,
  }),
  command("waiting-one", { frequencyMinutes: 10, lastStartAt: T0 - 4 * MINUTE, lastExitCode: 0 }),
  command("due-one", {
    frequencyMinutes: 2,
    priority: 3,
    lastStartAt: T0 - 5 * MINUTE,
    lastExitCode: 0,
  }),
  command("never-run", { type: "heartbeat", frequencyMinutes: 60 }),
];

const dispatch = (fields: Partial<DispatchRecord>): DispatchRecord =>
  dispatchRecord({ dispatchedAt: T0 - 200 * MINUTE, ...fields });

describe("ampa status", () => {
  const report = statusReport(commands, T0, opts, T0 - 20_000);
  const cells = (id: string) => {
    const row = report.rows.find((r) => r.id === id);
    if (!row) throw new Error(`no row ${id}`);
    return statusCells(row, T0);
  };

  it("lists commands in the order the scheduler would start them", () => {
    expect(report.rows.map((r) => [r.id, r.state])).toEqual([
      ["never-run", "due"],
      ["due-one", "due"],
      ["waiting-one", "waiting"],
      ["running-one", "running"],
      ["paused-one", "paused"],
    ]);
  });

  it("shows a due command's lateness and score", () => {
    // 2-minute command started 5 minutes ago: 3 minutes late; (3.5 / 2) × 1.3 = 2.275.
    expect(cells("due-one")).toEqual([
      "due-one",
      "shell",
      "2m",
      "3",
      "due",
      "5m ago",
      "0",
      "now",
      "+3m",
      "2.27",
    ]);
  });

  it("shows a never-run command as due now, first, with no lateness", () => {
    expect(cells("never-run")).toEqual([
      "never-run",
      "heartbeat",
      "1h",
      "0",
      "due",
      "never",
      "-",
      "now",
      "-",
      "new",
    ]);
  });

  it("shows a running command with its lease holder and expiry", () => {
    expect(cells("running-one")).toEqual([
      "running-one",
      "triage",
      "5m",
      "0",
      "running",
      "2m ago",
      "1",
      "in 3m",
      "-3m",
      "-",
    ]);
    const table = statusTable(report);
    expect(table).toContain("  └ lease: tick:req-42 until in 9m (00:08:59 UTC)");
  });

  it("shows a paused command with no next due time and no score", () => {
    expect(cells("paused-one")).toEqual([
      "paused-one",
      "shell",
      "1m",
      "0",
      "paused",
      "3m ago",
      "0",
      "-",
      "+2m",
      "-",
    ]);
  });

  it("shows a waiting command's next due time", () => {
    // Due half a tick early: 10 minutes after its start minus 30 s, i.e. in 5.5 minutes.
    expect(cells("waiting-one")[7]).toBe("in 6m");
    expect(cells("waiting-one")[8]).toBe("-6m");
  });

  it("fits 80 columns and says when the next start is allowed", () => {
    const table = statusTable(report);
    expect(table.split("\n").every((line) => line.length <= 80)).toBe(true);
    expect(table.split("\n")[0]).toBe(
      "Global minimum 1m: last start 20s ago, next start allowed in 40s.",
    );
  });

  it("marks a lease that expired without a result", () => {
    const stale = command("stale", {
      lastStartAt: T0 - 20 * MINUTE,
      leaseRunId: "r",
      leaseOwner: "tick:x",
      leaseExpiresAt: T0 - MINUTE,
    });
    const table = statusTable(statusReport([stale], T0, opts, undefined));
    expect(table).toContain("lease of tick:x expired 1m ago: the next tick records it abandoned");
  });

  it("shows a started run's worker, runtime, renewals and the time its max runtime leaves", () => {
    const live = command("agent", {
      type: "delegation",
      maxRuntimeMinutes: 120,
      lastStartAt: T0 - 30 * MINUTE,
      lastRunId: "r9",
      leaseRunId: "r9",
      leaseOwner: "tick:y",
      leaseExpiresAt: T0 + 2 * MINUTE,
      leaseWorker: "ecs:arn:aws:ecs:us-east-1:1:task/ampa-dev/abc",
      leaseRenewedAt: T0 - MINUTE,
      leaseRenewals: 29,
    });
    const report = statusReport([live], T0, opts, undefined, undefined, 10);
    const table = statusTable(report);
    expect(table).toContain("lease expires in 2m (00:01:59 UTC), renewed 1m ago (29×); 1h30m left");
    expect(table).toContain("task ecs:arn:aws:ecs:us-east-1:1:task/ampa-dev/abc");
    const json = statusJson(report) as { commands: Record<string, unknown>[] };
    expect(json.commands[0]).toMatchObject({
      runtime: "task",
      lease: { renewals: 29, killAt: new Date(T0 + 90 * MINUTE).toISOString() },
    });
  });

  it("gives scripts ISO times, seconds, and null where there is nothing", () => {
    const json = statusJson(report) as { commands: Record<string, unknown>[] };
    expect(json.commands[0]).toMatchObject({
      order: 1,
      id: "never-run",
      score: null,
      neverRun: true,
      lastStartAt: null,
      lease: null,
    });
    expect(json.commands.find((c) => c.id === "running-one")).toMatchObject({
      state: "running",
      lease: {
        runId: "run-1",
        owner: "tick:req-42",
        expiresAt: new Date(T0 + 9 * MINUTE).toISOString(),
        expired: false,
      },
      latenessSeconds: -180,
    });
  });
});

describe("ampa status: work items delegation holds back", () => {
  const report = {
    ...statusReport([], T0, opts, undefined),
    heldBack: heldBack(
      [
        dispatch({ workItemId: "SA-1", outcome: "unmoved", retryAt: T0 + 60 * MINUTE }),
        dispatch({
          workItemId: "SA-2",
          outcome: "failed",
          attempt: 3,
          attemptRuns: ["r1", "r2", "r3"],
          escalatedAt: T0 - 120 * MINUTE,
        }),
        // Its backoff is over: not held back.
        dispatch({ workItemId: "SA-3", outcome: "unmoved", retryAt: T0 - MINUTE }),
      ],
      T0,
    ),
  };

  it("lists escalated items and those waiting out a backoff, within 80 columns", () => {
    const lines = statusTable(report).split("\n");
    const start = lines.indexOf("Work items held back by delegation:");
    expect(lines.slice(start + 1)).toEqual([
      "  SA-2 intake at idea: escalated 2h ago (3 tries), waits for a person",
      "  SA-1 intake at idea: 1 try did not move it, next in 1h",
    ]);
    expect(lines.every((line) => line.length <= 80)).toBe(true);
  });

  it("gives scripts each one's state, attempts, runs and time", () => {
    expect(statusJson(report).heldBack).toEqual([
      {
        workItemId: "SA-2",
        action: "intake",
        stage: "idea",
        state: "escalated",
        attempts: 3,
        runs: ["r1", "r2", "r3"],
        escalatedAt: new Date(T0 - 120 * MINUTE).toISOString(),
      },
      {
        workItemId: "SA-1",
        action: "intake",
        stage: "idea",
        state: "backoff",
        attempts: 1,
        runs: ["r1"],
        retryAt: new Date(T0 + 60 * MINUTE).toISOString(),
      },
    ]);
  });
});

describe("ampa status: a command outside its window", () => {
  // T0 is Tuesday 29 February 2028, 23:59:59 UTC (GMT in London).
  const office = command("office", {
    frequencyMinutes: 30,
    lastStartAt: T0 - 6 * 60 * MINUTE,
    active: ["Mon-Fri 09:00-18:00"],
    timeZone: "Europe/London",
  });
  const report = statusReport(
    [office, command("waiting-one", { frequencyMinutes: 10, lastStartAt: T0 - 4 * MINUTE })],
    T0,
    opts,
    undefined,
  );
  const row = must(report.rows.find((r) => r.id === "office"));

  it("says it is outside its window until the next one opens, after the waiting ones", () => {
    expect(report.rows.map((r) => [r.id, r.state])).toEqual([
      ["waiting-one", "waiting"],
      ["office", "outside"],
    ]);
    expect(row).toMatchObject({
      why: "outside its window until Wed 09:00 Europe/London",
      outsideUntil: Date.parse("2028-03-01T09:00:00Z"),
      nextDueAt: Date.parse("2028-03-01T09:00:00Z"),
      idealShare: undefined,
    });
    const lines = statusTable(report).split("\n");
    expect(lines).toContain("  └ outside its window until Wed 09:00 Europe/London");
    expect(lines.every((line) => line.length <= 80)).toBe(true);
    expect(statusCells(row, T0)[4]).toBe("outside");
  });

  it("gives scripts the time it opens", () => {
    const json = statusJson(report).commands as Record<string, unknown>[];
    expect(json.find((c) => c.id === "office")).toMatchObject({
      state: "outside",
      outsideUntil: "2028-03-01T09:00:00.000Z",
      why: "outside its window until Wed 09:00 Europe/London",
    });
    expect(json.find((c) => c.id === "waiting-one")).toMatchObject({ outsideUntil: null });
  });
});

describe("ampa status: what the runs on record used", () => {
  const report = {
    ...statusReport([command("delegate", { lastStartAt: T0 - MINUTE })], T0, opts, undefined),
    usage: {
      maxRunsPerCommand: 50,
      commands: [
        {
          commandId: "delegate",
          runs: 12,
          agents: [
            { agent: "codex", runs: 2, inputTokens: 950, outputTokens: 40, costUsd: undefined },
            {
              agent: "opencode",
              runs: 9,
              inputTokens: 1_234_567,
              outputTokens: 45_600,
              costUsd: 3.2149,
            },
          ],
          compute: { runs: 12, vcpuSeconds: 5400, gbSeconds: 10_800 },
        },
      ],
    },
  };

  it("shows each agent's sums and the task compute time in hours, within 80 columns", () => {
    const lines = statusTable(report).split("\n");
    const start = lines.findIndex((l) => l.startsWith("Usage, summed over the runs on record"));
    expect(lines.slice(start)).toEqual([
      "Usage, summed over the runs on record (the newest 50 of each command;",
      "the /metrics counters count since the metrics began):",
      "  delegate codex: 2 of 12 runs, 950 tokens in, 40 out, no cost reported",
      "  delegate opencode: 9 of 12 runs, 1.23M tokens in, 45.6k out, $3.21",
      "  delegate task compute: 12 of 12 runs, 1.50 vCPU-hours, 3.00 GB-hours",
    ]);
    expect(lines.every((line) => line.length <= 80)).toBe(true);
  });

  it("gives scripts the unrounded sums, a missing cost as null, and what they are over", () => {
    expect(statusJson(report).usage).toEqual({
      note: "sums over the runs on record (the newest 50 of each command); the /metrics counters count since the metrics began",
      maxRunsPerCommand: 50,
      commands: [
        {
          id: "delegate",
          runs: 12,
          agents: [
            { agent: "codex", runs: 2, inputTokens: 950, outputTokens: 40, costUsd: null },
            {
              agent: "opencode",
              runs: 9,
              inputTokens: 1_234_567,
              outputTokens: 45_600,
              costUsd: 3.2149,
            },
          ],
          compute: { runs: 12, vcpuSeconds: 5400, gbSeconds: 10_800 },
        },
      ],
    });
  });

  it("says nothing of usage when no run on record reports any", () => {
    const none = { ...report, usage: { maxRunsPerCommand: 50, commands: [] } };
    expect(statusTable(none)).not.toContain("Usage");
    expect(statusJson(none).usage).toMatchObject({ commands: [] });
  });
});
