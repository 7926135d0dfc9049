import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { parseWorkload, simulate } from "../../src/lib/local/simulate.js";

const { config } = parseConfig({});
const HOUR = 3_600_000;

// An hour of ticks is seconds of CPU in this process: under load it relies on the suite's
// 120 s bound (vitest.config.ts).
describe("simulate (the real tick on a fake clock, instant runs)", () => {
  it("keeps the seed's 1, 2 and 5-minute commands within 20 % of their intervals at 10 s ticks", async () => {
    const result = await simulate({
      workload: [
        { id: "one", frequency_minutes: 1, priority: 0 },
        { id: "two", frequency_minutes: 2, priority: 0 },
        { id: "five", frequency_minutes: 5, priority: 0 },
      ],
      durationMs: HOUR,
      tickMs: 10_000,
      globalMinIntervalMs: 10_000,
      priorityWeight: 0,
      config,
    });
    for (const c of result.commands) {
      expect({ id: c.id, within20: Math.abs(c.deviation ?? 1) <= 0.2 }).toEqual({
        id: c.id,
        within20: true,
      });
    }
    expect(result.ticks).toBe(360);
  });

  it("runs a lone 1-minute command every minute on 1-minute ticks (F2)", async () => {
    const result = await simulate({
      workload: [{ id: "f2", frequency_minutes: 1, priority: 0 }],
      durationMs: HOUR,
      tickMs: 60_000,
      globalMinIntervalMs: 60_000,
      priorityWeight: 0.1,
      config,
    });
    const [f2] = result.commands;
    expect(f2).toMatchObject({
      runs: 60,
      meanMs: 60_000,
      minMs: 60_000,
      maxMs: 60_000,
      deviation: 0,
    });
  });

  it("polls inside each minute when the global minimum is shorter than the tick", async () => {
    const result = await simulate({
      workload: [
        { id: "a", frequency_minutes: 1, priority: 0 },
        { id: "b", frequency_minutes: 1, priority: 0 },
      ],
      durationMs: 10 * 60_000,
      tickMs: 60_000,
      globalMinIntervalMs: 10_000,
      priorityWeight: 0.1,
      config,
    });
    // Two starts a minute fit: both run every minute, the second one poll (5 s) or more later.
    expect(result.commands.map((c) => c.runs)).toEqual([10, 10]);
    expect(result.passes).toBeGreaterThan(result.ticks);
  });

  it("rejects a workload naming each bad entry", () => {
    expect(() =>
      parseWorkload(
        JSON.stringify([
          { id: "a", frequency_minutes: 0, priority: 0 },
          { id: "a", frequency_minutes: 1, priority: "high" },
        ]),
        "w.json",
      ),
    ).toThrow(
      [
        "w.json is not a valid workload:",
        "  [0].frequency_minutes: must be a positive integer",
        "  [1].priority: must be an integer between 0 and 1000",
      ].join("\n"),
    );
    expect(() =>
      parseWorkload(
        '[{"id":"a","frequency_minutes":1,"priority":0},{"id":"a","frequency_minutes":1,"priority":0}]',
      ),
    ).toThrow("[1].id: duplicate id a");
    expect(() =>
      parseWorkload(
        JSON.stringify([
          { id: "a", title: 7, frequency_minutes: 1, priority: 0 },
          { id: "b", title: "x".repeat(257), frequency_minutes: 1, priority: 0 },
        ]),
      ),
    ).toThrow(
      ["  [0].title: must be a string", "  [1].title: must be at most 256 characters"].join("\n"),
    );
  });
});
