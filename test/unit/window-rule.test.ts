import { describe, expect, it } from "vitest";
import type { Command } from "../../src/lib/core/command.js";
import {
  decide,
  load,
  nextDueAt,
  type SchedulerState,
  type SelectionOptions,
  stateAfterStart,
} from "../../src/lib/core/scheduler/select.js";
import { command, MINUTE } from "../support/commands.js";

/**
 * Active windows and `at` times in the scheduling rule, with a fixed clock: one decision
 * a minute, a start applied the way the tick's claims apply it, across the real 2026
 * daylight-saving nights of Europe/London (29 March, 25 October).
 */
const opts: SelectionOptions = {
  priorityWeight: 0.1,
  globalMinIntervalMs: 60_000,
  dueToleranceMs: 30_000,
};
const iso = (t: number) => new Date(t).toISOString().slice(0, 16);

/** Ticks once a minute over [from, to), starting what the rule picks; the starts by id. */
function run(
  commands: Command[],
  from: string,
  to: string,
  events: (now: number) => void = () => {},
): Map<string, string[]> {
  const starts = new Map<string, string[]>();
  let scheduler: SchedulerState = {};
  for (let now = Date.parse(from); now < Date.parse(to); now += MINUTE) {
    events(now);
    const decision = decide(commands, now, scheduler, opts);
    if (decision.kind !== "start") continue;
    const c = decision.candidates[0]?.command;
    if (!c) continue;
    const next = stateAfterStart(c, now, decision.virtualTime, opts.priorityWeight);
    Object.assign(c, { lastStartAt: now, dueAt: next.dueAt, virtualFinish: next.virtualFinish });
    scheduler = { lastGlobalStartAt: now, virtualTime: next.virtualTime, virtualTimeAt: now };
    starts.set(c.id, [...(starts.get(c.id) ?? []), iso(now)]);
  }
  return starts;
}

describe("an active window across midnight and a daylight-saving change", () => {
  const night = () =>
    command("night", {
      frequencyMinutes: 60,
      active: ["Sat 22:00-06:00"],
      timeZone: "Europe/London",
    });

  it("starts only inside the window, on the shorter spring-forward night", () => {
    const starts = run([night()], "2026-03-28T18:00:00Z", "2026-03-29T12:00:00Z");
    // 22:00 GMT to 06:00 BST (05:00 UTC): seven hourly starts, none skipped or doubled.
    expect(starts.get("night")).toEqual([
      "2026-03-28T22:00",
      "2026-03-28T23:00",
      "2026-03-29T00:00",
      "2026-03-29T01:00",
      "2026-03-29T02:00",
      "2026-03-29T03:00",
      "2026-03-29T04:00",
    ]);
  });

  it("starts only inside the window, on the longer fall-back night", () => {
    const starts = run([night()], "2026-10-24T18:00:00Z", "2026-10-25T12:00:00Z");
    // 22:00 BST (21:00 UTC) to 06:00 GMT (06:00 UTC): nine hourly starts.
    expect(starts.get("night")).toHaveLength(9);
    expect(starts.get("night")?.[0]).toBe("2026-10-24T21:00");
    expect(starts.get("night")?.[8]).toBe("2026-10-25T05:00");
  });

  it("owes nothing for the week outside: the next window begins with one start", () => {
    const c = night();
    const starts = run([c], "2026-03-28T21:00:00Z", "2026-04-04T23:30:00Z");
    expect(starts.get("night")?.slice(7)).toEqual([
      "2026-04-04T21:00",
      "2026-04-04T22:00",
      "2026-04-04T23:00",
    ]);
  });

  it("tells an idle tick when the window opens", () => {
    const decision = decide([night()], Date.parse("2026-03-28T20:00:00Z"), {}, opts);
    expect(decision).toMatchObject({ kind: "idle", nextDueAt: Date.parse("2026-03-28T22:00:00Z") });
  });

  it("leaves a command outside its window out of the load", () => {
    // Twenty 1-minute commands cannot share one start a minute, until they are outside.
    const many = Array.from({ length: 20 }, (_, i) =>
      command(`c${i}`, { active: ["Mon-Fri 09:00-17:00"] }),
    );
    expect(load(many, opts, Date.parse("2026-03-27T12:00:00Z")).fits).toBe(false);
    expect(load(many, opts, Date.parse("2026-03-28T12:00:00Z")).fits).toBe(true);
  });
});

describe("at times", () => {
  it("starts once at each local time across both daylight-saving changes", () => {
    const nightly = (createdAt: string) =>
      command("nightly", {
        frequencyMinutes: 1440,
        at: ["01:30"],
        timeZone: "Europe/London",
        createdAt: Date.parse(createdAt),
      });
    const spring = run(
      [nightly("2026-03-27T12:00:00Z")],
      "2026-03-27T12:00:00Z",
      "2026-03-30T12:00:00Z",
    );
    expect(spring.get("nightly")).toEqual([
      "2026-03-28T01:30",
      "2026-03-29T01:00", // 01:30 is skipped: 02:00 BST
      "2026-03-30T00:30",
    ]);
    const fall = run(
      [nightly("2026-10-24T12:00:00Z")],
      "2026-10-24T12:00:00Z",
      "2026-10-26T12:00:00Z",
    );
    // 01:30 happens twice on the 25th: one start, at the first.
    expect(fall.get("nightly")).toEqual(["2026-10-25T00:30", "2026-10-26T01:30"]);
  });

  it("does not start a command added after today's time until tomorrow's", () => {
    const nightly = command("nightly", {
      at: ["23:00"],
      createdAt: Date.parse("2026-05-04T23:05:00Z"),
    });
    const starts = run([nightly], "2026-05-04T23:05:00Z", "2026-05-06T00:00:00Z");
    expect(starts.get("nightly")).toEqual(["2026-05-05T23:00"]);
  });

  it("runs several times a day, none within half an interval of another", () => {
    const twice = command("twice", {
      frequencyMinutes: 1440,
      at: ["09:00", "17:00"],
      createdAt: Date.parse("2026-05-04T00:00:00Z"),
    });
    const starts = run([twice], "2026-05-04T00:00:00Z", "2026-05-05T12:00:00Z");
    expect(starts.get("twice")).toEqual([
      "2026-05-04T09:00",
      "2026-05-04T17:00",
      "2026-05-05T09:00",
    ]);
  });

  it("starts a time missed by a busy tick at the next one", () => {
    const nightly = command("nightly", {
      at: ["23:00"],
      priority: 0,
      createdAt: Date.parse("2026-05-04T12:00:00Z"),
    });
    const hog = command("hog", {
      frequencyMinutes: 1,
      dueAt: Date.parse("2026-05-04T22:58:00Z"),
      lastStartAt: Date.parse("2026-05-04T22:57:00Z"),
    });
    const starts = run([nightly, hog], "2026-05-04T22:59:00Z", "2026-05-04T23:05:00Z");
    expect(starts.get("nightly")?.length).toBe(1);
  });

  it("catches up one missed time within half the gap to the next, and no burst", () => {
    const nightly = () =>
      command("nightly", { at: ["23:00"], createdAt: Date.parse("2026-05-04T12:00:00Z") });
    const pausedUntil = (resume: string) => {
      const c = nightly();
      const starts = run([c], "2026-05-04T12:00:00Z", "2026-05-07T00:00:00Z", (now) => {
        c.paused = now < Date.parse(resume);
      });
      return starts.get("nightly");
    };
    // Paused over two nights: resumed 11 h after the last, it runs once, then at 23:00.
    expect(pausedUntil("2026-05-06T10:00:00Z")).toEqual(["2026-05-06T10:00", "2026-05-06T23:00"]);
    // Resumed 13 h after: more than halfway to the next, so that one is skipped.
    expect(pausedUntil("2026-05-06T12:00:00Z")).toEqual(["2026-05-06T23:00"]);
  });

  it("combines with a window: at its times on the window's days only", () => {
    const weekdays = command("weekdays", {
      at: ["23:00"],
      active: ["Mon-Fri"],
      timeZone: "America/New_York",
      createdAt: Date.parse("2026-05-01T00:00:00Z"),
    });
    // Thu 30 April 20:00 EDT (UTC-4) to Tue 5 May: Thursday's, Friday's and Monday's 23:00,
    // none at the weekend.
    const starts = run([weekdays], "2026-05-01T00:00:00Z", "2026-05-05T12:00:00Z");
    expect(starts.get("weekdays")).toEqual([
      "2026-05-01T03:00",
      "2026-05-02T03:00",
      "2026-05-05T03:00",
    ]);
    expect(nextDueAt(weekdays, Date.parse("2026-05-05T12:00:00Z"), opts)).toBe(
      Date.parse("2026-05-06T03:00:00Z"),
    );
  });
});
