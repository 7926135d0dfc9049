import { describe, expect, it } from "vitest";
import {
  capacityPerMs,
  fairShare,
  fairShareWeight,
} from "../../src/lib/core/scheduler/fair-share.js";

const MIN = 60_000;
/** One start a minute: the default 60 s global minimum. */
const ONE_A_MINUTE = 1 / MIN;
const cmd = (id: string, minutes: number, priority = 0, priorityWeight = 0.1) => ({
  id,
  intervalMs: minutes * MIN,
  weight: fairShareWeight(priority, priorityWeight),
});
const idealMinutes = (r: ReturnType<typeof fairShare>) =>
  r.commands.map((c) => c.idealIntervalMs / MIN);

describe("fairShare (water-filling ideal)", () => {
  it("gives every command its desired interval when the load fits", () => {
    const r = fairShare([cmd("a", 2), cmd("b", 5), cmd("c", 10)], ONE_A_MINUTE);
    expect(r.fits).toBe(true);
    expect(r.lambda).toBeNull();
    expect(idealMinutes(r)).toEqual([2, 5, 10]);
    expect(r.commands.every((c) => c.capped)).toBe(true);
  });

  it("counts a load exactly at capacity as fitting (2, 4, 8, 8 minutes: one start a minute)", () => {
    const r = fairShare([cmd("a", 2), cmd("b", 4), cmd("c", 8), cmd("d", 8)], ONE_A_MINUTE);
    expect(r.fits).toBe(true);
    expect(idealMinutes(r)).toEqual([2, 4, 8, 8]);
  });

  it("stretches equal priorities equally under overload (1, 2 and 5 minutes: 1.7 wanted)", () => {
    const r = fairShare([cmd("a", 1), cmd("b", 2), cmd("c", 5)], ONE_A_MINUTE);
    expect(r.fits).toBe(false);
    // λ = 1 / 1.7: every interval is stretched by 1.7.
    expect(r.lambda).toBeCloseTo(1 / 1.7, 12);
    const [a, b, c] = idealMinutes(r);
    expect(a).toBeCloseTo(1.7, 12);
    expect(b).toBeCloseTo(3.4, 12);
    expect(c).toBeCloseTo(8.5, 12);
    expect(r.commands.reduce((n, x) => n + x.rate, 0)).toBeCloseTo(ONE_A_MINUTE, 15);
  });

  it("stretches a higher priority less, in proportion to its weight (priorities 0, 2, 5, 8, 10)", () => {
    const r = fairShare(
      [0, 2, 5, 8, 10].map((p) => cmd(`p${p}`, 2, p)),
      ONE_A_MINUTE,
    );
    // Weights 1, 1.2, 1.5, 1.8, 2 (Σ w/I = 3.75 a minute), so λ = 1/3.75 and each ideal
    // interval is 2 ÷ (λ·w) = 7.5 ÷ w minutes.
    const expected = [7.5, 6.25, 5, 7.5 / 1.8, 3.75];
    idealMinutes(r).forEach((m, i) => expect(m).toBeCloseTo(expected[i] ?? 0, 12));
    expect(r.commands.some((c) => c.capped)).toBe(false);
  });

  it("caps a command whose share would exceed its own rate and gives the rest to the others", () => {
    // Two 1-minute commands and one 10-minute command with priority 100 (weight 11):
    // uncapped, λ = 1 / (2 + 1.1) would give it 11λ/10 > 1/10, so it gets 1/10 and the
    // 1-minute commands share the remaining 0.9 a minute: one start each 2/0.9 minutes.
    const r = fairShare([cmd("a", 1), cmd("b", 1), cmd("hi", 10, 100)], ONE_A_MINUTE);
    expect(r.fits).toBe(false);
    const [a, b, hi] = idealMinutes(r);
    expect(hi).toBeCloseTo(10, 12);
    expect(a).toBeCloseTo(2 / 0.9, 12);
    expect(b).toBeCloseTo(2 / 0.9, 12);
    expect(r.commands.map((c) => c.capped)).toEqual([false, false, true]);
    expect(r.lambda).toBeCloseTo(0.45, 12);
  });

  it("stretches a command with a huge interval like the others, and it barely moves them", () => {
    const huge = 1e12;
    const r = fairShare(
      [cmd("a", 1), cmd("b", 1), { id: "rare", intervalMs: huge, weight: 1 }],
      ONE_A_MINUTE,
    );
    // Equal weights: all three are stretched by the same 1/λ = (wanted ÷ capacity), just
    // over 2: 2 + one minute ÷ the huge interval.
    const stretch = 1 / (r.lambda ?? 0);
    expect(stretch).toBeCloseTo(2 + MIN / huge, 12);
    expect(r.commands[2]?.idealIntervalMs).toBeCloseTo(huge * stretch, 0);
    expect(r.commands[0]?.idealIntervalMs).toBeCloseTo(MIN * stretch, 6);
    expect(r.commands.some((c) => c.capped)).toBe(false);
  });

  it("rejects a weight below 1 (no command can have a zero share), and bad intervals or capacity", () => {
    expect(() => fairShare([{ id: "z", intervalMs: MIN, weight: 0 }], ONE_A_MINUTE)).toThrow(
      "z: weight must be at least 1, got 0",
    );
    expect(() => fairShare([{ id: "z", intervalMs: 0, weight: 1 }], ONE_A_MINUTE)).toThrow(
      "z: interval must be a positive number of ms, got 0",
    );
    expect(() => fairShare([cmd("a", 1)], 0)).toThrow("capacity must be a positive number");
    // With a non-negative priority weight the weight is always at least 1.
    expect(fairShareWeight(0, 0)).toBe(1);
    expect(fairShareWeight(7, 0.1)).toBeCloseTo(1.7, 12);
  });

  it("takes one start per global minimum as capacity, one per tick without a minimum", () => {
    expect(capacityPerMs(60_000, 60_000)).toBe(1 / 60_000);
    expect(capacityPerMs(10_000, 60_000)).toBe(1 / 10_000);
    expect(capacityPerMs(0, 60_000)).toBe(1 / 60_000);
  });
});
