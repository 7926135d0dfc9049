import { describe, expect, it } from "vitest";
import { availableMs, commandStats } from "../../src/lib/local/simulation-stats.js";
import { unavailableWindowsMs } from "../../src/lib/local/workload.js";

const S = 1000;

describe("simulation statistics: time a command could not start is not owed", () => {
  it("takes the parts of an interval inside the windows out", () => {
    expect(availableMs(0, 100, [])).toBe(100);
    expect(
      availableMs(0, 100, [
        [10, 20],
        [90, 200],
      ]),
    ).toBe(80);
    expect(availableMs(30, 40, [[0, 1000]])).toBe(0);
  });

  it("measures intervals, the longest gap and the rejoin across a pause", () => {
    const starts = [0, 180, 360, 4100, 4280].map((s) => s * S);
    const stats = commandStats(
      { id: "a", priority: 0, frequencyMinutes: 3 },
      180 * S,
      starts,
      { totalStarts: 10, durationMs: 4400 * S },
      [[400 * S, 4000 * S]],
    );
    // 360 s → 4,100 s spans the 3,600 s pause: 140 s of it counted.
    expect(stats.intervalsMs).toEqual([180, 180, 140, 180].map((s) => s * S));
    expect(stats.meanMs).toBe(170 * S);
    expect(stats.idealDeviation).toBeCloseTo(170 / 180 - 1, 12);
    expect(stats.longestGapMs).toBe(180 * S);
    expect(stats.rejoins).toEqual([
      {
        fromMs: 400 * S,
        toMs: 4000 * S,
        firstStartMs: 4100 * S,
        acrossMs: 140 * S,
        nextMs: 180 * S,
      },
    ]);
    expect(stats.share).toBe(0.5);
  });

  it("counts a late-added command's first gap from when it was added", () => {
    const stats = commandStats(
      { id: "late", priority: 0, frequencyMinutes: 5 },
      300 * S,
      [3630 * S, 3930 * S],
      { totalStarts: 2, durationMs: 4000 * S },
      unavailableWindowsMs(
        { id: "late", frequency_minutes: 5, priority: 0, added_at_seconds: 3600 },
        [],
      ),
    );
    expect(stats.longestGapMs).toBe(300 * S);
    // Being added is no rejoin.
    expect(stats.rejoins).toEqual([]);
  });

  it("merges a command's pauses with the LLM's outages only when it needs the LLM", () => {
    const llmDown: [number, number][] = [[50, 150]];
    const base = {
      id: "x",
      frequency_minutes: 1,
      priority: 0,
      paused: [[100, 200]] as [number, number][],
    };
    expect(unavailableWindowsMs({ ...base, requires_llm: true }, llmDown)).toEqual([
      [50 * S, 200 * S],
    ]);
    expect(unavailableWindowsMs(base, llmDown)).toEqual([[100 * S, 200 * S]]);
  });
});
