import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { claimCommand, recoverAbandonedRun } from "../../src/lib/app/run-protocol.js";
import { tickPass } from "../../src/lib/app/tick.js";
import type { RunClaim } from "../../src/lib/core/command.js";
import { liveWorkers } from "../../src/lib/adapters/process/worker-records.js";
import { spec } from "../support/commands.js";
import { seededRandom } from "../support/random.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { tickDeps } from "../support/tick.js";
import { testWorkerDispatch, workersTmpDir } from "../support/task-workers.js";
import { waitFor } from "../support/wait.js";
import { report } from "./report.js";

const WORKERS = 20;
const COMMANDS = ["a", "b", "c", "d"];
const SEED = 11;

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** Each program's own marks: [pid, first mark, last mark] in ms, from its marks file. */
function programSpans(file: string): [string, number, number][] {
  if (!existsSync(file)) return [];
  const spans = new Map<string, [number, number]>();
  for (const line of readFileSync(file, "utf8").trim().split("\n")) {
    const [, pid = "", ns = "0"] = line.split(" ");
    const ms = Number(BigInt(ns) / 1_000_000n);
    const span = spans.get(pid);
    spans.set(pid, span ? [span[0], ms] : [ms, ms]);
  }
  return [...spans].map(([pid, [from, to]]) => [pid, from, to]);
}

/** Pairs of intervals that intersect, after sorting by start. */
function overlaps(spans: [number, number][]): number {
  const sorted = [...spans].sort((x, y) => x[0] - y[0]);
  let count = 0;
  for (let i = 1; i < sorted.length; i++)
    if ((sorted[i]?.[0] ?? 0) < (sorted[i - 1]?.[1] ?? 0)) count++;
  return count;
}

describe("task workers under random SIGKILLs, renewals and recoveries", () => {
  it("20 workers: never two runs of one command at once, every run recorded or abandoned, none lost", async () => {
    const t = await createTestTable(server.endpoint, {
      AMPA_LEASE_TTL_SECONDS: "3",
      AMPA_LEASE_RENEW_SECONDS: "1",
      // A worker SIGKILLed before it takes its lease holds the claim for the TTL plus this
      // allowance, and the scenario waited that out (30 s each time: most of its 100 s).
      // 10 s still covers a worker's start (bin/task-worker.mjs, under 1 s; more on a busy
      // machine); a start slower than that is recovered as abandoned and its worker then
      // runs nothing, a case the assertions below cover too.
      AMPA_TASK_START_SECONDS: "10",
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
    });
    const workersDir = workersTmpDir();
    const marks = (id: string) => join(dirname(workersDir), `${id}.marks`);
    for (const id of COMMANDS) {
      // Marks its start, a beat every 200 ms for ~3 s (one TTL), and its end.
      const mark = (what: string) => `echo "${what} $$ $(date +%s%N)" >> ${marks(id)}`;
      const script = `${mark("start")}; i=0; while [ $i -lt 15 ]; do sleep 0.2; ${mark("beat")}; i=$((i+1)); done; ${mark("end")}`;
      await t.store.addCommand(spec(id, { command: script, runtime: "task" }), Date.now());
    }
    const random = seededRandom(SEED);
    const dispatch = testWorkerDispatch(server.endpoint, t.tableName, workersDir);
    const claims: RunClaim[] = [];
    let kills = 0;
    let recoveries = 0;
    const started = Date.now();
    // Rounds of: a tick (recovers expired leases), a claim of every free command (run-once
    // claims ignore the schedule, so each command runs many times), random SIGKILLs.
    while (claims.length < WORKERS || liveWorkers(workersDir).length > 0) {
      // A scheduled tick whose starts go to real workers too.
      const deps = tickDeps(t.store, t.config, { dispatch });
      const before = (await Promise.all(COMMANDS.map((id) => t.store.listRuns(id)))).flat();
      await tickPass(deps, Date.now());
      const after = (await Promise.all(COMMANDS.map((id) => t.store.listRuns(id)))).flat();
      recoveries +=
        after.filter((r) => r.outcome === "abandoned").length -
        before.filter((r) => r.outcome === "abandoned").length;
      for (const s of deps.starts) claims.push(s);
      for (const id of COMMANDS) {
        if (claims.length >= WORKERS) break;
        const command = await t.store.getCommand(id);
        if (!command || command.leaseRunId) continue;
        const claim = await claimCommand(t.store, command, {
          now: Date.now(),
          owner: "fault-ticker",
          trigger: "run-once",
          config: t.config,
        });
        if (!claim) continue;
        claims.push(claim);
        await dispatch(command, claim);
      }
      for (const w of liveWorkers(workersDir))
        if (random() < 0.06) {
          try {
            process.kill(w.pid, "SIGKILL");
            kills++;
          } catch {
            // Finished meanwhile.
          }
        }
      await new Promise((r) => setTimeout(r, 300));
      if (Date.now() - started > 400_000) break;
    }
    // The last kills' leases expire: a final recovery pass records them.
    const runs = await waitFor(
      "every claim on record",
      async () => {
        for (const id of COMMANDS) {
          const command = await t.store.getCommand(id);
          if (command) await recoverAbandonedRun(t.store, command, Date.now());
        }
        const all = (await Promise.all(COMMANDS.map((id) => t.store.listRuns(id)))).flat();
        return claims.every((c) => all.some((r) => r.runId === c.runId)) ? all : undefined;
      },
      60_000,
    );
    const byRun = new Map(runs.map((r) => [r.runId, r]));
    const outcomes: Record<string, number> = {};
    for (const c of claims) {
      const o = byRun.get(c.runId)?.outcome ?? "lost";
      outcomes[o] = (outcomes[o] ?? 0) + 1;
    }
    let recordOverlaps = 0;
    let programOverlaps = 0;
    let programs = 0;
    for (const id of COMMANDS) {
      const recorded = runs.filter((r) => r.commandId === id);
      recordOverlaps += overlaps(recorded.map((r) => [r.startedAt, r.endedAt]));
      const spans = programSpans(marks(id));
      programs += spans.length;
      programOverlaps += overlaps(spans.map(([, from, to]) => [from, to]));
    }
    report("task workers: 20 workers, random SIGKILLs, renewals and recoveries", {
      claims: claims.length,
      programs,
      kills,
      recoveries,
      success: outcomes.success ?? 0,
      abandoned: outcomes.abandoned ?? 0,
      lost: outcomes.lost ?? 0,
      recordOverlaps,
      programOverlaps,
      seconds: Math.round((Date.now() - started) / 1000),
    });
    expect(claims.length).toBeGreaterThanOrEqual(WORKERS);
    expect(outcomes.lost ?? 0).toBe(0);
    expect((outcomes.success ?? 0) + (outcomes.abandoned ?? 0)).toBe(claims.length);
    expect(kills).toBeGreaterThan(0);
    expect(recordOverlaps).toBe(0);
    expect(programOverlaps).toBe(0);
  });
});
