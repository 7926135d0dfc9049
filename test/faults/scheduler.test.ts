import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunClaim } from "../../src/lib/core/command.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore, type Store } from "../../src/lib/adapters/dynamodb/store.js";
import { tickPass } from "../../src/lib/app/tick.js";
import { MINUTE, spec, T0 } from "../support/commands.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { tickDeps } from "../support/tick.js";
import { seededRandom, shuffle } from "../support/random.js";
import { report } from "./report.js";

const ROUNDS = 100;
const CONCURRENT_TICKS = 50;
/** Late re-deliveries of the previous minute's event, racing each round's ticks. */
const DUPLICATES_OF_PREVIOUS = 10;
/** Separate DynamoDB clients, as separate Lambda containers would have. */
const CONTAINERS = 10;

/** frequency in minutes per command; two 1-minute commands keep every minute busy. */
const WORKLOAD: Record<string, number> = {
  "one-a": 1,
  "one-b": 1,
  two: 2,
  three: 3,
  five: 5,
  ten: 10,
};

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function containerStores(t: TestTable): Store[] {
  return Array.from({ length: CONTAINERS }, () =>
    createStore(
      createDocumentClient(
        createDynamoClient({ region: "us-east-1", endpoint: server.endpoint, key: server.key }),
      ),
      {
        tableName: t.tableName,
        maxRunHistory: t.config.maxRunHistory,
      },
    ),
  );
}

async function workloadTable(env: Record<string, string> = {}): Promise<TestTable> {
  const t = await createTestTable(server.endpoint, {
    AMPA_SCHEDULER_MAX_RUN_HISTORY: "1000",
    ...env,
  });
  for (const [id, frequencyMinutes] of Object.entries(WORKLOAD))
    await t.store.addCommand(
      spec(id, { frequencyMinutes, priority: id === "one-a" ? 1 : 0 }),
      T0 - MINUTE,
    );
  return t;
}

interface Start extends RunClaim {
  round: number;
  /** What the starting container's clock was behind real time, in ms. */
  skewMs: number;
}

/**
 * Every round is one scheduled minute: CONCURRENT_TICKS ticks at the event's time (each
 * container's clock `skewMs` behind), plus late duplicates of the previous minute's event,
 * all at once; `ticksIn` says which containers get a round's event. Returns every start
 * with the round it happened in.
 */
async function race(
  t: TestTable,
  skewsMs: readonly number[],
  ticksIn: (round: number, skewMs: number) => boolean = () => true,
): Promise<{ starts: Start[]; passes: number }> {
  const stores = containerStores(t);
  const starts: Start[] = [];
  const random = seededRandom(ROUNDS);
  let passes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const eventTime = T0 + round * MINUTE;
    const ticks: { at: number; skewMs: number }[] = [];
    for (let i = 0; i < CONCURRENT_TICKS; i++) {
      const skewMs = skewsMs[i % skewsMs.length] ?? 0;
      if (ticksIn(round, skewMs)) ticks.push({ at: eventTime - skewMs, skewMs });
    }
    for (let i = 0; round > 0 && i < DUPLICATES_OF_PREVIOUS; i++) {
      const skewMs = skewsMs[i % skewsMs.length] ?? 0;
      if (ticksIn(round - 1, skewMs)) ticks.push({ at: eventTime - MINUTE - skewMs, skewMs });
    }
    // A different arrival order each round, so either clock can be first to the store.
    shuffle(ticks, random);
    await Promise.all(
      ticks.map(async ({ at, skewMs }, i) => {
        const store = stores[i % stores.length] as Store;
        const deps = tickDeps(store, t.config, { now: at, owner: `container-${i % CONTAINERS}` });
        await tickPass(deps, at);
        passes++;
        starts.push(...deps.starts.map((s) => ({ ...s, round, skewMs })));
      }),
    );
  }
  return { starts, passes };
}

/** Recorded runs per command, and how many are not `success` or hold a lease still. */
async function recorded(t: TestTable) {
  const runs = (
    await Promise.all(Object.keys(WORKLOAD).map((id) => t.store.listRuns(id, 1000)))
  ).flat();
  const { commands } = await t.store.listCommands();
  return {
    runs: runs.length,
    unsuccessful: runs.filter((r) => r.outcome !== "success").length,
    distinctRunIds: new Set(runs.map((r) => r.runId)).size,
    leasesHeld: commands.filter((c) => c.leaseRunId !== undefined).length,
  };
}

function perRound(starts: readonly Start[]): number[] {
  const counts = new Array<number>(ROUNDS).fill(0);
  for (const s of starts) counts[s.round] = (counts[s.round] ?? 0) + 1;
  return counts;
}

/** Smallest gap in real time between consecutive starts (of one command, or of all). */
function minGapMs(starts: readonly Start[]): number {
  const real = starts.map((s) => s.startedAt + s.skewMs).sort((a, b) => a - b);
  let min = Number.POSITIVE_INFINITY;
  for (let i = 1; i < real.length; i++) min = Math.min(min, (real[i] ?? 0) - (real[i - 1] ?? 0));
  return min;
}

describe("duplicate and concurrent schedule events", () => {
  it("50 concurrent ticks × 100 rounds + duplicated events: one start per minute, never closer than 60 s", async () => {
    const t = await workloadTable();
    const started = Date.now();
    const { starts, passes } = await race(t, [0]);
    const counts = perRound(starts);
    const state = await recorded(t);
    report("concurrent ticks, 60 s global minimum", {
      rounds: ROUNDS,
      tickPasses: passes,
      starts: starts.length,
      roundsWithOneStart: counts.filter((c) => c === 1).length,
      roundsWithMore: counts.filter((c) => c > 1).length,
      minGapSeconds: minGapMs(starts) / 1000,
      runsRecorded: state.runs,
      leasesHeld: state.leasesHeld,
      wallSeconds: Math.round((Date.now() - started) / 1000),
    });
    expect(passes).toBe(ROUNDS * CONCURRENT_TICKS + (ROUNDS - 1) * DUPLICATES_OF_PREVIOUS);
    expect(counts).toEqual(new Array(ROUNDS).fill(1));
    expect(minGapMs(starts)).toBe(MINUTE);
    expect(state).toEqual({ runs: ROUNDS, unsuccessful: 0, distinctRunIds: ROUNDS, leasesHeld: 0 });
  });

  it("with no global minimum, every due command starts exactly once per due slot", async () => {
    const t = await workloadTable({ AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0" });
    const { starts, passes } = await race(t, [0]);
    const state = await recorded(t);
    let wrongSlots = 0;
    for (const [id, frequency] of Object.entries(WORKLOAD)) {
      const rounds = starts.filter((s) => s.commandId === id).map((s) => s.round);
      const expected = Array.from({ length: ROUNDS }, (_, r) => r).filter(
        (r) => r % frequency === 0,
      );
      if (JSON.stringify(rounds.sort((a, b) => a - b)) !== JSON.stringify(expected)) wrongSlots++;
    }
    const dueSlots = Object.values(WORKLOAD).reduce((n, f) => n + Math.ceil(ROUNDS / f), 0);
    report("concurrent ticks, no global minimum", {
      rounds: ROUNDS,
      tickPasses: passes,
      dueSlots,
      starts: starts.length,
      commandsWithWrongSlots: wrongSlots,
      runsRecorded: state.runs,
      leasesHeld: state.leasesHeld,
    });
    expect(starts).toHaveLength(dueSlots);
    expect(wrongSlots).toBe(0);
    expect(state).toEqual({
      runs: dueSlots,
      unsuccessful: 0,
      distinctRunIds: dueSlots,
      leasesHeld: 0,
    });
  });
});

describe("clock skew: half the containers 30 s behind the others", () => {
  const SKEWS = [0, 30_000];
  /** Rounds in which one group ticks alone (round % 10 === 5, below). */
  const LONE_ROUNDS = ROUNDS / 10;
  /**
   * Who gets each event: the behind containers alone in round 0 (so the store's timeline
   * starts on the slow clock), one group alone every tenth round (the other missed the
   * event), both groups otherwise.
   */
  const ticksIn = (round: number, skewMs: number): boolean => {
    if (round === 0) return skewMs > 0;
    if (round % 10 === 5) return (round % 20 === 5) === skewMs > 0;
    return true;
  };

  it("never two starts in a minute, never closer than 60 s in real time", async () => {
    const t = await workloadTable();
    const { starts, passes } = await race(t, SKEWS, ticksIn);
    const counts = perRound(starts);
    const state = await recorded(t);
    report("clock skew 30 s, 60 s global minimum", {
      rounds: ROUNDS,
      tickPasses: passes,
      starts: starts.length,
      startsByBehindContainers: starts.filter((s) => s.skewMs > 0).length,
      roundsWithoutStart: counts.filter((c) => c === 0).length,
      roundsWithMore: counts.filter((c) => c > 1).length,
      minRealGapSeconds: minGapMs(starts) / 1000,
      runsRecorded: state.runs,
    });
    expect(Math.max(...counts)).toBe(1);
    expect(minGapMs(starts)).toBeGreaterThanOrEqual(MINUTE);
    expect(starts.filter((s) => s.skewMs > 0).length).toBeGreaterThan(0);
    // A behind clock can only lose a minute, when it alone got the event after a start
    // stamped by the ahead clock: at most the rounds one group ticked alone.
    expect(counts.filter((c) => c === 0).length).toBeLessThanOrEqual(ROUNDS / 10);
    expect(state).toEqual({
      runs: starts.length,
      unsuccessful: 0,
      distinctRunIds: starts.length,
      leasesHeld: 0,
    });
  });

  it("with no global minimum, no command starts twice within its frequency in real time", async () => {
    const t = await workloadTable({ AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0" });
    const { starts, passes } = await race(t, SKEWS, ticksIn);
    const state = await recorded(t);
    const gaps = Object.entries(WORKLOAD).map(([id, frequency]) => {
      const own = starts.filter((s) => s.commandId === id);
      return { id, frequency, starts: own.length, minGapMs: minGapMs(own) };
    });
    const dueSlots = Object.values(WORKLOAD).reduce((n, f) => n + Math.ceil(ROUNDS / f), 0);
    report("clock skew 30 s, no global minimum", {
      rounds: ROUNDS,
      tickPasses: passes,
      dueSlots,
      starts: starts.length,
      startsByBehindContainers: starts.filter((s) => s.skewMs > 0).length,
      minRealGapOverFrequency: Math.min(...gaps.map((g) => g.minGapMs / (g.frequency * MINUTE))),
      runsRecorded: state.runs,
    });
    for (const g of gaps) {
      expect(g.minGapMs, g.id).toBeGreaterThanOrEqual(g.frequency * MINUTE);
      // Only the rounds a group ticked alone can delay a start, by one round each: at most
      // LONE_ROUNDS rounds of delay in all, so the starts still fill the rounds left.
      expect(g.starts, g.id).toBeGreaterThanOrEqual(
        Math.ceil((ROUNDS - LONE_ROUNDS) / g.frequency),
      );
    }
    expect(starts.filter((s) => s.skewMs > 0).length).toBeGreaterThan(0);
    expect(state).toMatchObject({ unsuccessful: 0, leasesHeld: 0, runs: starts.length });
  });
});
