import { spawn } from "node:child_process";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { executeClaim } from "../../src/lib/app/run.js";
import { claimCommand } from "../../src/lib/app/run-protocol.js";
import { createRunners } from "../../src/lib/app/commands/registry.js";
import { shellRunner } from "../../src/lib/app/commands/shell/index.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import { runTick, type TickDeps, tickPass } from "../../src/lib/app/tick.js";
import type { Command } from "../../src/lib/core/command.js";
import { earlyDeadline } from "../../src/lib/core/deadline.js";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import { MINUTE, must, spec, T0 } from "../support/commands.js";
import { capturingLogger, testLogger } from "../support/logger.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { tickDeps } from "../support/tick.js";

let server: EmbeddedStore;

/**
 * The real store, except that its listing answers `commands`: a listing read before
 * someone else changed them. The tick's other calls go to the store itself.
 */
function staleListing(store: Store, commands: Command[]): TickDeps["store"] {
  return { ...store, listForSchedule: async () => ({ commands, corrupt: [] }) };
}
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("tick against a real store", () => {
  it("twenty racing ticks start a due command exactly once and respect the global minimum", async () => {
    const t = await createTestTable(server.endpoint);
    for (const id of ["a", "b", "c"]) await t.store.addCommand(spec(id), T0 - MINUTE);

    const race = async (now: number) => {
      const deps = Array.from({ length: 20 }, () => tickDeps(t.store, t.config, { now }));
      const results = await Promise.all(deps.map((d) => tickPass(d, now)));
      return { results, starts: deps.flatMap((d) => d.starts) };
    };

    const first = await race(T0);
    expect(first.starts.map((s) => s.commandId)).toEqual(["a"]);
    expect(first.results.filter((r) => r.kind === "started")).toHaveLength(1);
    expect(await t.store.getLastGlobalStart()).toBe(T0);

    const tooSoon = await race(T0 + 59_000);
    expect(tooSoon.starts).toEqual([]);

    const next = await race(T0 + 60_000);
    expect(next.starts.map((s) => s.commandId)).toEqual(["b"]);
    expect(await t.store.getLastGlobalStart()).toBe(T0 + 60_000);
  });

  it("with no global minimum, racing ticks still start each due command once", async () => {
    const t = await createTestTable(server.endpoint, {
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
    });
    for (const id of ["a", "b", "c"])
      await t.store.addCommand(spec(id, { frequencyMinutes: 5 }), T0);
    // The same instant for all: a tick whose clock is behind the last global start may
    // not start anything (see the next test), which would make this count depend on order.
    const deps = Array.from({ length: 20 }, () => tickDeps(t.store, t.config, { now: T0 }));
    await Promise.all(deps.map((d) => tickPass(d, T0)));
    const started = deps.flatMap((d) => d.starts.map((s) => s.commandId)).sort();
    expect(started).toEqual(["a", "b", "c"]);
  });

  it("keeps polling inside one invocation when the global minimum allows several starts a minute", async () => {
    const t = await createTestTable(server.endpoint, {
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "10",
    });
    for (const id of ["a", "b", "c"]) await t.store.addCommand(spec(id), T0);
    let now = T0;
    const deps = tickDeps(t.store, t.config, {
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      // A Lambda invocation with 60 s left at T0.
      deadline: earlyDeadline(T0, 60_000),
    });
    const passes = await runTick(deps, T0);
    expect(deps.starts.map((s) => [s.commandId, s.startedAt - T0])).toEqual([
      ["a", 0],
      ["b", 10_000],
      ["c", 20_000],
    ]);
    // 5 s polls until the invocation's budget (55 s, within the 60 s Lambda timeout) runs out.
    expect(passes).toHaveLength(12); // at 0, 5, …, 55 s
    expect(now - T0).toBeLessThanOrEqual(55_000);
  });

  it("makes a single pass per tick with the default 60 s global minimum", async () => {
    const t = await createTestTable(server.endpoint);
    for (const id of ["a", "b"]) await t.store.addCommand(spec(id), T0);
    const deps = tickDeps(t.store, t.config, { now: T0 });
    expect(await runTick(deps, T0)).toHaveLength(1);
    expect(deps.starts.map((s) => s.commandId)).toEqual(["a"]);
  });

  it("a tick whose clock is 30 s behind the last global start starts nothing", async () => {
    const t = await createTestTable(server.endpoint, {
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
    });
    for (const id of ["a", "b"]) await t.store.addCommand(spec(id), T0);
    const ahead = tickDeps(t.store, t.config, { now: T0 + 30_000 });
    expect(await tickPass(ahead, T0 + 30_000)).toMatchObject({ kind: "started", commandId: "a" });
    const behind = tickDeps(t.store, t.config, { now: T0 });
    expect(await tickPass(behind, T0)).toMatchObject({ kind: "wait-global" });
    expect(behind.starts).toEqual([]);
  });

  it("skips a corrupt command item with a logged error and still runs the others", async () => {
    const t = await createTestTable(server.endpoint);
    await t.doc.send(
      new PutCommand({
        TableName: t.tableName,
        Item: { pk: "CMD", sk: "broken", id: "broken", frequencyMinutes: "often" },
      }),
    );
    await t.store.addCommand(spec("good"), T0);
    const { log, lines } = capturingLogger();
    const deps = tickDeps(t.store, t.config, { now: T0, log });
    const result = await tickPass(deps, T0);
    expect(result).toMatchObject({ kind: "started", commandId: "good" });
    const error = lines().find((l) => l.msg === "skipping corrupt command item");
    expect(error).toMatchObject({ level: 50, key: "CMD/broken" });
    expect(String(error?.error)).toContain("frequencyMinutes");
  });

  it("does not start a paused command, and reports why nothing ran", async () => {
    const t = await createTestTable(server.endpoint);
    await t.store.addCommand(spec("p", { paused: true }), T0);
    const result = await tickPass(tickDeps(t.store, t.config, { now: T0 }), T0);
    expect(result).toMatchObject({ kind: "idle", paused: 1 });
  });

  it("gives the global slot back when the only candidate's lease was taken meanwhile", async () => {
    const t = await createTestTable(server.endpoint);
    await t.store.addCommand(spec("x"), T0);
    const stale = await t.store.getCommand("x");
    if (!stale) throw new Error("missing");
    // Someone else starts x after our read: our claim on the stale state must lose.
    await claimCommand(t.store, stale, {
      now: T0,
      owner: "other",
      trigger: "run-once",
      config: t.config,
    });
    // A store that still answers with the state read before the other start.
    const deps = tickDeps(t.store, t.config, {
      now: T0 + 1,
      store: staleListing(t.store, [stale]),
    });
    const result = await tickPass(deps, T0 + 1);
    expect(result.kind).toBe("lost-race");
    expect(await t.store.getLastGlobalStart()).toBeUndefined();
  });

  it("runs a command again after its runner was killed mid-run, recording the run as abandoned", async () => {
    const t = await createTestTable(server.endpoint, {
      AMPA_LEASE_TTL_SECONDS: "60",
      AMPA_LEASE_RENEW_SECONDS: "20",
    });
    await t.store.addCommand(spec("slow", { command: "sleep 3", maxRuntimeMinutes: 1 }), T0);
    // A real worker process takes the lease and starts the command; then it is killed.
    const worker = spawn(
      process.execPath,
      ["--import", "tsx", "test/support/run-worker.ts", server.endpoint, t.tableName, "slow"],
      { stdio: "ignore", env: { ...process.env, AMPA_LOG_LEVEL: "silent" } },
    );
    let leased = await t.store.getCommand("slow");
    // Once started: the start record moves the lease's expiry on from the claim's.
    for (let i = 0; i < 100 && !leased?.leaseWorker; i++) {
      await new Promise((r) => setTimeout(r, 100));
      leased = await t.store.getCommand("slow");
    }
    expect(leased?.leaseRunId).toBeDefined();
    worker.kill("SIGKILL");
    await new Promise((r) => worker.once("exit", r));

    const expiry = leased?.leaseExpiresAt ?? 0;
    const beforeExpiry = await tickPass(
      tickDeps(t.store, t.config, { now: expiry - 1 }),
      expiry - 1,
    );
    expect(beforeExpiry.kind).toBe("idle");

    const deps = tickDeps(t.store, t.config, { now: expiry + 1 });
    const after = await tickPass(deps, expiry + 1);
    expect(after).toMatchObject({ kind: "started", commandId: "slow" });
    const runs = await t.store.listRuns("slow");
    const abandoned = runs.find((r) => r.runId === leased?.leaseRunId);
    expect(abandoned?.outcome).toBe("abandoned");
    expect(runs.find((r) => r.runId === deps.starts[0]?.runId)?.outcome).toBe("success");
    // Counted like every recorded run, so /metrics shows it.
    const counted = (await t.store.listMetrics()).filter(
      (m) => m.name === "ampa_command_runs_total" && m.labels.command === "slow",
    );
    expect(counted.map((m) => [m.labels.outcome, m.value]).sort()).toEqual([
      ["abandoned", 1],
      ["success", 1],
    ]);
  });

  it("counts a run that finishes after its lease was recovered once, as abandoned", async () => {
    const t = await createTestTable(server.endpoint, {
      AMPA_LEASE_TTL_SECONDS: "60",
      AMPA_LEASE_RENEW_SECONDS: "20",
    });
    await t.store.addCommand(spec("late", { maxRuntimeMinutes: 1 }), T0);
    const command = must(await t.store.getCommand("late"), "command");
    const claim = must(
      await claimCommand(t.store, command, {
        now: T0,
        owner: "slow-runner",
        trigger: "schedule",
        config: t.config,
      }),
      "claim",
    );
    // The slow runner starts; while it runs its lease expires unrenewed and a tick recovers
    // it (and runs the command anew, a success); then the slow runner finishes: its
    // success must not be counted a second time.
    let now = T0 + 1;
    const runners = createRunners(processes);
    const finished = await executeClaim(
      {
        store: t.store,
        config: t.config,
        log: testLogger,
        clock: () => now,
        runners: {
          ...runners,
          shell: async (cmd, ctx) => {
            now = claim.leaseExpiresAt + t.config.leaseTtlMs;
            await tickPass(tickDeps(t.store, t.config, { now }), now);
            now++;
            return shellRunner(processes.runShell)(cmd, ctx);
          },
        },
      },
      command,
      claim,
    );
    expect(finished).toMatchObject({ outcome: "success", late: true });
    const counted = (await t.store.listMetrics()).filter(
      (m) => m.name === "ampa_command_runs_total" && m.labels.command === "late",
    );
    expect(counted.map((m) => [m.labels.outcome, m.value]).sort()).toEqual([
      ["abandoned", 1],
      ["success", 1],
    ]);
  });
});
