import { describe, expect, it } from "vitest";
import { simulationJson } from "../../src/cli/simulation.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { withHarness } from "../../src/lib/local/harness.js";
import { parseWorkload, simulate, workloadSpecs } from "../../src/lib/local/simulate.js";

// The real harness (real tick, real Store on an embedded dynalite) on a virtual clock:
// each dynamic of a workload is played through the store and checked on the starts.
const { config } = parseConfig({});
const MIN = 60_000;
const HOUR = 3_600_000;
const base = { tickMs: MIN, globalMinIntervalMs: MIN, priorityWeight: 0.1, config };
const startsOf = (r: Awaited<ReturnType<typeof simulate>>, id: string) =>
  r.commands.find((c) => c.id === id)?.startsMs ?? [];

// Each simulation is 1–5 CPU-s in this process: under load it relies on the suite's 120 s
// bound (vitest.config.ts), not the 30 s it once had.
describe("simulate: workload dynamics", () => {
  it("adds a command at added_at_seconds and starts it then, never before", async () => {
    const r = await simulate({
      ...base,
      // Half an hour past the addition is enough to see its starts (each hour ~2 CPU-s).
      durationMs: 90 * MIN,
      workload: [
        { id: "early", frequency_minutes: 2, priority: 0 },
        { id: "late", frequency_minutes: 5, priority: 0, added_at_seconds: 3630 },
      ],
    });
    const late = startsOf(r, "late");
    // Added at 1h00m30s: the next tick (1h01m) is its first chance.
    expect(late[0]).toBe(61 * MIN);
    expect(late.every((s) => s >= 3_630_000)).toBe(true);
    // Its longest gap counts from when it was added, not from the first tick.
    expect(r.commands[1]?.longestGapMs).toBeLessThan(HOUR);
  });

  it("pauses through the store at each `from` and resumes at each `to`", async () => {
    const r = await simulate({
      ...base,
      // A quarter of an hour past the resumption: several starts after it.
      durationMs: 105 * MIN,
      workload: [
        { id: "steady", frequency_minutes: 3, priority: 0 },
        { id: "paused", frequency_minutes: 2, priority: 0, paused: [[1830, 5400]] },
      ],
    });
    const paused = startsOf(r, "paused");
    expect(paused.filter((s) => s >= 1_830_000 && s < 5_400_000)).toEqual([]);
    expect(paused.some((s) => s < 1_830_000)).toBe(true);
    // Resumed at 1h30m exactly, on a tick: that tick may start it.
    const after = paused.find((s) => s >= 5_400_000) ?? Infinity;
    expect(after - 5_400_000).toBeLessThanOrEqual(2 * MIN);
    const [rejoin] = r.commands[1]?.rejoins ?? [];
    expect(rejoin).toMatchObject({ fromMs: 1_830_000, toMs: 5_400_000, firstStartMs: after });
    // The paused hour is not counted in its longest gap or its intervals.
    expect(r.commands[1]?.maxMs).toBeLessThan(10 * MIN);
    // The other command keeps its cadence meanwhile.
    expect(startsOf(r, "steady").filter((s) => s >= 1_830_000 && s < 5_400_000).length).toBe(20);
  });

  it("skips a command that needs the LLM while llm_down says it is down, and only that one", async () => {
    const r = await simulate({
      ...base,
      // Just past the window's end: the tick at 2 h is the first after it.
      durationMs: 2 * HOUR + 10 * MIN,
      workload: {
        commands: [
          { id: "llm", frequency_minutes: 2, priority: 0, requires_llm: true },
          { id: "plain", frequency_minutes: 3, priority: 0 },
        ],
        llmDown: [[3600, 7200]],
      },
    });
    const llm = startsOf(r, "llm");
    expect(llm.filter((s) => s >= HOUR && s < 2 * HOUR)).toEqual([]);
    expect(llm.filter((s) => s < HOUR).length).toBeGreaterThan(20);
    expect(llm.find((s) => s >= 2 * HOUR)).toBe(2 * HOUR);
    expect(startsOf(r, "plain").filter((s) => s >= HOUR && s < 2 * HOUR).length).toBe(20);
    expect(r.llmDownMs).toEqual([[HOUR, 2 * HOUR]]);
  });

  it("holds the lease for run_seconds: a running command is not started again", async () => {
    const r = await simulate({
      ...base,
      durationMs: 2 * HOUR,
      workload: [
        { id: "slow", frequency_minutes: 1, priority: 0, run_seconds: 150 },
        { id: "quick", frequency_minutes: 1, priority: 0 },
      ],
    });
    const slow = startsOf(r, "slow");
    // Started at 0, running until 2m30s: the ticks at 1m and 2m see it running.
    const intervals = slow.slice(1).map((s, i) => s - (slow[i] ?? 0));
    expect(intervals.every((x) => x >= 3 * MIN)).toBe(true);
    expect(slow.length).toBeGreaterThan(30);
    // The minutes it leaves go to the other command.
    expect(startsOf(r, "quick").length + slow.length).toBe(120);
  });

  it("records a timed run through executeClaim when the clock reaches its end", async () => {
    const [spec] = workloadSpecs([{ id: "timed", frequency_minutes: 1, priority: 0 }]);
    const cfg = { ...config, tableName: "timed-runs", tickIntervalMs: MIN };
    const t0 = Date.parse("2030-01-07T00:00:00.000Z");
    await withHarness(
      { config: cfg, owner: "test", runMs: () => 90_000 },
      async ({ store, tick, advanceTo }) => {
        if (!spec) throw new Error("no spec");
        await store.addCommand(spec, t0);
        await tick(t0);
        expect((await store.getCommand("timed"))?.leaseRunId).toBeDefined();
        await advanceTo(t0 + 89_999);
        expect(await store.listAllRuns("timed")).toEqual([]);
        await advanceTo(t0 + 90_000);
        const [run] = await store.listAllRuns("timed");
        expect(run).toMatchObject({ startedAt: t0, endedAt: t0 + 90_000, durationMs: 90_000 });
        expect((await store.getCommand("timed"))?.leaseRunId).toBeUndefined();
      },
    );
  });

  it("reports each command's water-filling ideal interval and whether the load fits", async () => {
    const r = await simulate({
      ...base,
      durationMs: HOUR,
      workload: [
        { id: "one", frequency_minutes: 1, priority: 0 },
        { id: "two", frequency_minutes: 2, priority: 0 },
        { id: "five", frequency_minutes: 5, priority: 0 },
      ],
    });
    const json = simulationJson(r) as { fits: boolean; commands: Record<string, unknown>[] };
    expect(json.fits).toBe(false);
    const ideal = json.commands.map((c) => c.idealIntervalSeconds as number);
    [102, 204, 510].forEach((s, i) => expect(ideal[i]).toBeCloseTo(s, 9));
    expect(json.commands[0]?.startsSeconds).toEqual(startsOf(r, "one").map((s) => s / 1000));
  });
});

describe("parseWorkload: the object form", () => {
  it("accepts { commands, llm_down } and the new per-command fields", () => {
    const w = parseWorkload(
      JSON.stringify({
        commands: [
          {
            id: "a",
            frequency_minutes: 2,
            priority: 1,
            requires_llm: true,
            added_at_seconds: 60,
            paused: [
              [120, 300],
              [400, 500],
            ],
            run_seconds: 30,
          },
        ],
        llm_down: [[0, 600]],
      }),
    );
    expect(w.llmDown).toEqual([[0, 600]]);
    expect(w.commands[0]?.paused).toEqual([
      [120, 300],
      [400, 500],
    ]);
  });

  it("names every bad field with its path", () => {
    const text = JSON.stringify({
      commands: [
        {
          id: "a",
          frequency_minutes: 1,
          priority: 0,
          added_at_seconds: 100,
          paused: [
            [50, 200],
            [300, 250],
          ],
          run_seconds: -1,
        },
      ],
      llm_down: [
        [100, 200],
        [150, 300],
      ],
    });
    expect(() => parseWorkload(text, "w.json")).toThrow(
      [
        "w.json is not a valid workload:",
        "  commands[0].paused[1]: must end after it begins ([from, to] with to > from)",
        "  commands[0].run_seconds: run_seconds must be at least 0",
        "  commands[0].paused[0]: must begin at or after added_at_seconds (100 s)",
        "  llm_down[1]: must begin at or after the previous window ends (200 s)",
      ].join("\n"),
    );
    expect(() =>
      parseWorkload(
        JSON.stringify({
          commands: [
            {
              id: "a",
              frequency_minutes: 1,
              priority: 0,
              added_at_seconds: 100,
              paused: [[50, 200]],
            },
          ],
        }),
      ),
    ).toThrow("commands[0].paused[0]: must begin at or after added_at_seconds (100 s)");
    expect(() => parseWorkload('"x"')).toThrow(
      "(file): must be a JSON array of commands or an object { commands, llm_down }",
    );
    expect(() => parseWorkload('{"commands":[], "extra": 1}')).toThrow(
      /commands: must hold at least one command[\s\S]*Unrecognized key/,
    );
  });
});
