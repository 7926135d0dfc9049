import { describe, expect, it } from "vitest";
import type { Command } from "../../src/lib/core/command.js";
import { fairShare } from "../../src/lib/core/scheduler/fair-share.js";
import {
  currentVirtualTime,
  decide,
  eligibleAt,
  load,
  type SchedulerState,
  type SelectionOptions,
  stateAfterStart,
  weight,
} from "../../src/lib/core/scheduler/select.js";
import { command, MINUTE, T0 } from "../support/commands.js";

/**
 * The semantics of the scheduling rule (docs/scheduling.md), each checked on
 * the pure rule with a fixed clock: one decision a minute, a start applied the way the
 * tick's claims apply it.
 */
const opts: SelectionOptions = {
  priorityWeight: 0.1,
  globalMinIntervalMs: 60_000,
  dueToleranceMs: 30_000,
};

interface Run {
  starts: Map<string, number[]>;
  scheduler: SchedulerState;
}

/** Ticks once a minute from `from` for `minutes`, starting what the rule picks. */
function run(
  commands: Command[],
  minutes: number,
  events: (minute: number, commands: Command[]) => void = () => {},
  state: Run = { starts: new Map(), scheduler: {} },
  from = 0,
): Run {
  for (let m = from; m < from + minutes; m++) {
    events(m, commands);
    const now = T0 + m * MINUTE;
    const decision = decide(commands, now, state.scheduler, opts);
    if (decision.kind !== "start") continue;
    const chosen = decision.candidates[0];
    if (!chosen) continue;
    const c = chosen.command;
    const next = stateAfterStart(c, now, decision.virtualTime, opts.priorityWeight);
    Object.assign(c, { lastStartAt: now, dueAt: next.dueAt, virtualFinish: next.virtualFinish });
    state.scheduler = {
      lastGlobalStartAt: now,
      virtualTime: next.virtualTime,
      virtualTimeAt: now,
    };
    state.starts.set(c.id, [...(state.starts.get(c.id) ?? []), m]);
  }
  return state;
}

const gaps = (minutes: number[]) => minutes.slice(1).map((m, i) => m - (minutes[i] ?? m));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function workload(specs: [frequency: number, priority: number][]): Command[] {
  return specs.map(([frequencyMinutes, priority], i) =>
    command(`c${i}-${frequencyMinutes}m-p${priority}`, { frequencyMinutes, priority }),
  );
}

/** Each command's ideal interval in minutes (desired when the load fits; water-filling otherwise). */
function ideal(commands: Command[]): Map<string, number> {
  const share = fairShare(
    commands.map((c) => ({
      id: c.id,
      intervalMs: c.frequencyMinutes * MINUTE,
      weight: weight(c, opts.priorityWeight),
    })),
    1 / opts.globalMinIntervalMs,
  );
  return new Map(share.commands.map((e) => [e.id, e.idealIntervalMs / MINUTE]));
}

describe("never faster than asked", () => {
  it("is not eligible before its due time minus the tolerance", () => {
    const c = command("ten", { frequencyMinutes: 10, lastStartAt: T0, dueAt: T0 + 10 * MINUTE });
    expect(eligibleAt(c, opts, T0)).toBe(T0 + 10 * MINUTE - 30_000);
  });

  it("never starts twice within half its interval, even with a due time in the past", () => {
    // An import or a hand edit left the anchor an hour behind the last start.
    const c = command("ten", { frequencyMinutes: 10, lastStartAt: T0, dueAt: T0 - 60 * MINUTE });
    expect(eligibleAt(c, opts, T0)).toBe(T0 + 5 * MINUTE);
    expect(decide([c], T0 + 4 * MINUTE, {}, opts).kind).toBe("idle");
  });
});

describe("on time when it fits", () => {
  it("moves the due time on from the previous due time, so a delayed start is followed by a shorter gap", () => {
    const c = command("five", { frequencyMinutes: 5, dueAt: T0 });
    const next = stateAfterStart(c, T0 + 2 * MINUTE, 0, opts.priorityWeight);
    expect(next.dueAt).toBe(T0 + 5 * MINUTE);
  });

  it("catches up at most half an interval: a later start is followed by a full interval", () => {
    const c = command("five", { frequencyMinutes: 5, dueAt: T0 });
    expect(stateAfterStart(c, T0 + 3 * MINUTE, 0, opts.priorityWeight).dueAt).toBe(T0 + 8 * MINUTE);
  });

  it.each([
    [
      "2, 5 and 10 minutes",
      [
        [2, 0],
        [5, 0],
        [10, 0],
      ] as [number, number][],
    ],
    [
      "2, 4, 8 and 8 minutes (exactly at capacity)",
      [
        [2, 0],
        [4, 0],
        [8, 0],
        [8, 0],
      ] as [number, number][],
    ],
    [
      "a 60-minute command beside a 2-minute one",
      [
        [2, 0],
        [60, 5],
      ] as [number, number][],
    ],
  ])("keeps every mean within 1 %% of desired over 8 hours: %s", (_name, specs) => {
    const commands = workload(specs);
    expect(load(commands, opts, T0).fits).toBe(true);
    const { starts } = run(commands, 8 * 60);
    for (const c of commands) {
      const g = gaps(starts.get(c.id) ?? []);
      expect(Math.abs(mean(g) / c.frequencyMinutes - 1)).toBeLessThanOrEqual(0.01);
      expect(Math.max(...g)).toBeLessThanOrEqual(c.frequencyMinutes + 2);
    }
  });
});

describe("weighted max-min fair when it does not fit", () => {
  it.each([
    [
      "1, 2 and 5 minutes, equal priorities",
      [
        [1, 0],
        [2, 0],
        [5, 0],
      ] as [number, number][],
    ],
    [
      "five 2-minute commands, priorities 0 to 10",
      [
        [2, 0],
        [2, 2],
        [2, 5],
        [2, 8],
        [2, 10],
      ] as [number, number][],
    ],
    [
      "a capped 1-minute command of priority 10 beside two 3-minute ones",
      [
        [1, 10],
        [3, 0],
        [3, 0],
      ] as [number, number][],
    ],
    [
      "two 1-minute commands and a 60-minute one",
      [
        [1, 0],
        [1, 0],
        [60, 0],
      ] as [number, number][],
    ],
  ])(
    "gives every command its water-filling interval within 3 %% over 16 hours: %s",
    (_name, specs) => {
      const commands = workload(specs);
      expect(load(commands, opts, T0).fits).toBe(false);
      const { starts } = run(commands, 16 * 60);
      const ideals = ideal(commands);
      for (const c of commands) {
        const g = gaps(starts.get(c.id) ?? []);
        const target = ideals.get(c.id) ?? Number.NaN;
        expect(g.length).toBeGreaterThanOrEqual(7);
        expect(Math.abs(mean(g) / target - 1)).toBeLessThanOrEqual(0.03);
        expect(Math.max(...g)).toBeLessThanOrEqual(3 * target);
      }
    },
  );

  it("stretches equal priorities equally", () => {
    const commands = workload([
      [1, 0],
      [2, 0],
      [5, 0],
    ]);
    const { starts } = run(commands, 16 * 60);
    const stretches = commands.map((c) => mean(gaps(starts.get(c.id) ?? [])) / c.frequencyMinutes);
    expect(Math.max(...stretches) / Math.min(...stretches)).toBeLessThan(1.03);
  });

  it("runs virtual time at the water level", () => {
    const commands = workload([
      [1, 0],
      [2, 0],
      [5, 0],
    ]);
    // λ (1 + 1/2 + 1/5) = 1 start a minute: λ = 1 / 1.7.
    expect(load(commands, opts, T0).virtualRate).toBeCloseTo(1 / 1.7, 10);
    expect(
      currentVirtualTime({ virtualTime: 5, virtualTimeAt: T0 }, T0 + 1700, 1 / 1.7),
    ).toBeCloseTo(1005, 6);
  });
});

describe("dynamics: pauses and returns are not owed", () => {
  it("starts a command resumed after missing several due times once, then one interval later", () => {
    const commands = workload([[10, 0]]);
    const [c] = commands;
    if (!c) throw new Error("no command");
    const { starts } = run(commands, 120, (m, cs) => {
      const cmd = cs[0];
      if (cmd && m === 5) cmd.paused = true;
      if (cmd && m === 65) cmd.paused = false;
    });
    const after = (starts.get(c.id) ?? []).filter((m) => m >= 65);
    expect(after.slice(0, 2)).toEqual([65, 75]);
  });

  it("lets a command rejoin an overloaded mix at its fair position: no burst, no lost place", () => {
    const commands = workload([
      [1, 0],
      [2, 0],
      [5, 0],
    ]);
    const five = commands[2];
    if (!five) throw new Error("no command");
    const state = run(commands, 4 * 60, (m) => {
      if (m === 60) five.paused = true;
      if (m === 180) five.paused = false;
    });
    const afterResume = (state.starts.get(five.id) ?? []).filter((m) => m >= 180);
    const g = gaps(afterResume);
    // Ideal with all three running: 8.5 minutes; never twice within half its interval.
    expect(afterResume[0]).toBeLessThanOrEqual(180 + 9);
    expect(Math.min(...g)).toBeGreaterThanOrEqual(3);
    expect(Math.abs(mean(g) / 8.5 - 1)).toBeLessThanOrEqual(0.1);
  });
});
