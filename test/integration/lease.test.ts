import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processes } from "../../src/lib/adapters/process/index.js";
import { renderMetrics } from "../../src/lib/adapters/prometheus.js";
import { executeClaim } from "../../src/lib/app/run.js";
import { claimCommand, recoverAbandonedRun } from "../../src/lib/app/run-protocol.js";
import { commandRuntime, createRunners } from "../../src/lib/app/commands/registry.js";
import type { RunClaim } from "../../src/lib/core/command.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { must, spec } from "../support/commands.js";
import { testLogger } from "../support/logger.js";
import { alive } from "../support/processes.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { waitFor } from "../support/wait.js";

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

// Short leases, so that renewals and their loss happen within a test.
const LEASES = { AMPA_LEASE_TTL_SECONDS: "2", AMPA_LEASE_RENEW_SECONDS: "0.3" };

async function claimed(t: TestTable, id: string): Promise<RunClaim> {
  return must(
    await claimCommand(t.store, must(await t.store.getCommand(id)), {
      now: Date.now(),
      owner: "test",
      trigger: "schedule",
      config: t.config,
    }),
    "claim",
  );
}

const runDeps = (t: TestTable, worker: string) => ({
  store: t.store,
  config: t.config,
  log: testLogger,
  clock: Date.now,
  runners: createRunners(processes),
  worker,
});

describe("leases of running runs", () => {
  it("runs a claim once: a second delivery of the same claim runs nothing", async () => {
    const t = await createTestTable(server.endpoint, LEASES);
    const marks = join(mkdtempSync(join(tmpdir(), "ampa-lease-")), "runs");
    await t.store.addCommand(spec("once", { command: `echo run >> '${marks}'` }), Date.now());
    const claim = await claimed(t, "once");
    const [first, second] = await Promise.all([
      executeClaim(runDeps(t, "pid:1@a"), must(await t.store.getCommand("once")), claim),
      executeClaim(runDeps(t, "pid:2@b"), must(await t.store.getCommand("once")), claim),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(readFileSync(marks, "utf8")).toBe("run\n");
    const run = must(first ?? second);
    expect(run).toMatchObject({
      outcome: "success",
      runtime: "function",
      exitReason: "exited with 0",
    });
    expect(["pid:1@a", "pid:2@b"]).toContain(run.worker);
    // A later redelivery (the lease is released by now) runs nothing either.
    expect(
      await executeClaim(runDeps(t, "pid:3@c"), must(await t.store.getCommand("once")), claim),
    ).toBeUndefined();
    expect(readFileSync(marks, "utf8")).toBe("run\n");
  });

  it("renews the lease while the run lasts longer than its TTL, and counts the renewals", async () => {
    const t = await createTestTable(server.endpoint, LEASES);
    await t.store.addCommand(spec("long", { command: "sleep 3; echo done" }), Date.now());
    const claim = await claimed(t, "long");
    const running = executeClaim(
      runDeps(t, "pid:9@x"),
      must(await t.store.getCommand("long")),
      claim,
    );
    let renewals = 0;
    await waitFor("a renewal", async () => {
      renewals = (await t.store.getCommand("long"))?.leaseRenewals ?? 0;
      return renewals >= 2;
    });
    // /metrics shows it in progress, by runtime, with its renewals.
    const { commands } = await t.store.listCommands();
    const { body } = await renderMetrics({
      commands,
      runtimeOf: commandRuntime,
      corruptItems: 0,
      stored: await t.store.listMetrics(),
      notify: {},
      deadLetters: 0,
      now: Date.now(),
    });
    expect(body).toContain('ampa_runs_in_progress{command="long",runtime="function"} 1');
    expect(body).toMatch(/ampa_lease_renewals_total\{command="long"\} [1-9]/);
    // Nobody may recover it meanwhile: a tick now finds the lease alive.
    expect(
      await recoverAbandonedRun(t.store, must(await t.store.getCommand("long")), Date.now()),
    ).toBeUndefined();
    const run = must(await running);
    expect(run).toMatchObject({ outcome: "success", output: "done\n" });
    expect(run.durationMs).toBeGreaterThan(2000);
    const counted = (await t.store.listMetrics()).find(
      (m) => m.name === "ampa_lease_renewals_total" && m.labels.command === "long",
    );
    expect(must(counted).value).toBeGreaterThanOrEqual(renewals);
    const after = must(await t.store.getCommand("long"));
    expect(after.leaseRunId).toBeUndefined();
    expect(after.leaseWorker).toBeUndefined();
  });

  it("kills the program and records nothing when the lease is taken over", async () => {
    const t = await createTestTable(server.endpoint, LEASES);
    const pidFile = join(mkdtempSync(join(tmpdir(), "ampa-lease-")), "pid");
    await t.store.addCommand(
      spec("taken", { command: `echo $$ > '${pidFile}'; exec sleep 60` }),
      Date.now(),
    );
    const claim = await claimed(t, "taken");
    const running = executeClaim(
      runDeps(t, "pid:7@y"),
      must(await t.store.getCommand("taken")),
      claim,
    );
    await waitFor("the program to start", async () => {
      try {
        return readFileSync(pidFile, "utf8").trim().length > 0;
      } catch {
        return false;
      }
    });
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(pid)).toBe(true);
    // Another scheduler, whose clock runs far ahead, recovers the lease and starts a new run.
    const future = Date.now() + 60_000;
    const abandoned = must(
      await recoverAbandonedRun(t.store, must(await t.store.getCommand("taken")), future),
    );
    const newer = must(
      await claimCommand(t.store, must(await t.store.getCommand("taken")), {
        now: future,
        owner: "other",
        trigger: "run-once",
        config: t.config,
      }),
    );
    expect(await running).toBeUndefined();
    await waitFor("the program to be killed", () => !alive(pid));
    const command = must(await t.store.getCommand("taken"));
    expect(command.leaseRunId).toBe(newer.runId);
    const runs = await t.store.listRuns("taken", 10);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: abandoned.runId, outcome: "abandoned" });
  });

  it("stops the run when the store cannot be reached until the lease expires", async () => {
    const t = await createTestTable(server.endpoint, LEASES);
    await t.store.addCommand(spec("cut", { command: "exec sleep 60" }), Date.now());
    const claim = await claimed(t, "cut");
    // The store answers the start, then every renewal fails (an outage seen by this worker only).
    // The lease writes after the first (the start mark) are the renewals.
    let leaseWrites = 0;
    const outage = Object.assign(Object.create(t.store) as typeof t.store, {
      updateCommandIf: async (...args: Parameters<typeof t.store.updateCommandIf>) => {
        if (leaseWrites++ === 0) return t.store.updateCommandIf(...args);
        throw new Error("connect ECONNREFUSED");
      },
    });
    const started = Date.now();
    const run = await executeClaim(
      { ...runDeps(t, "pid:8@z"), store: outage },
      must(await t.store.getCommand("cut")),
      claim,
    );
    expect(run).toBeUndefined();
    // It gave up once its lease had expired (2 s), long before the program's 60 s.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await t.store.listRuns("cut", 10)).toHaveLength(0);
  });
});
