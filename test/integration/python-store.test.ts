import { testLogger } from "../support/logger.js";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";

import { exportPythonStore, serializePythonStore } from "../../src/lib/app/python-store/export.js";
import { applyImport, planImport } from "../../src/lib/app/python-store/import.js";
import { ABANDONED_OUTPUT, parsePythonStore } from "../../src/lib/app/python-store/parse.js";
import { runOnce } from "../../src/lib/app/run.js";
import { claimCommand } from "../../src/lib/app/run-protocol.js";
import { createRunners } from "../../src/lib/app/commands/registry.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import { tickPass } from "../../src/lib/app/tick.js";
import { must, T0 } from "../support/commands.js";
import { canonicalTimes, type PythonStoreJson, pythonStore } from "../support/python-store.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { tickDeps } from "../support/tick.js";

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function importInto(t: TestTable, store: unknown, now = T0) {
  const parsed = parsePythonStore(JSON.stringify(store), {
    maxOutputBytes: t.config.maxOutputBytes,
  });
  const plan = await planImport(t.store, parsed, { maxRunHistory: t.config.maxRunHistory, now });
  await applyImport(t.store, plan);
  return plan;
}

async function items(t: TestTable) {
  const { Items } = await t.doc.send(new ScanCommand({ TableName: t.tableName }));
  return (Items ?? []).sort((a, b) => `${a.pk}/${a.sk}`.localeCompare(`${b.pk}/${b.sk}`));
}

async function exported(store: Store): Promise<PythonStoreJson> {
  return (await exportPythonStore(store)).store as PythonStoreJson;
}

/** What the export of the test fixture must be: the file itself, with the documented changes. */
function expectedExport(): PythonStoreJson {
  const expected = canonicalTimes(pythonStore());
  const stats = must(expected.state["wl-stats"]);
  stats.run_history = (stats.run_history as unknown[]).slice(-50);
  const stuck = must(expected.state.stuck);
  const start = stuck.last_start_ts;
  Object.assign(stuck, {
    running: false,
    last_run_ts: start,
    last_duration_seconds: null,
    last_exit_code: null,
    last_output: ABANDONED_OUTPUT,
    run_history: [
      ...(stuck.run_history as unknown[]),
      {
        start_ts: start,
        end_ts: start,
        duration_seconds: 0,
        exit_code: null,
        output: ABANDONED_OUTPUT,
        outcome: "abandoned",
      },
    ],
  });
  return expected;
}

describe("import of the Python daemon's store", () => {
  it("writes every command with its state, the newest 50 runs, audit times and the global start", async () => {
    const t = await createTestTable(server.endpoint);
    const plan = await importInto(t, pythonStore());
    expect(plan.commands.map((c) => [c.id, c.action])).toEqual([
      ["wl-stats", "new"],
      ["heartbeat", "new"],
      ["wl-triage-audit", "new"],
      ["delegation", "new"],
      ["stuck", "new"],
    ]);
    const stats = must(await t.store.getCommand("wl-stats"));
    expect(stats).toMatchObject({
      command: "wl status",
      frequencyMinutes: 10,
      lastExitCode: 2, // history entry 59 failed
      lastDurationMs: 1250,
      lastOutcome: "failure",
      paused: false,
      createdAt: T0,
    });
    const runs = await t.store.listAllRuns("wl-stats");
    expect(runs).toHaveLength(50);
    expect(runs[0]?.runId).toBe(stats.lastRunId);
    expect(runs.at(-1)?.output).toBe("run 10 failed\n"); // the oldest kept: entry 10 of 0..59
    expect(await t.store.listAuditTimes()).toEqual([
      {
        workItemId: "SA-0ML8XKRV80GORAL7",
        lastAuditAt: Date.parse("2026-02-05T06:00:01.250Z"),
        commandId: "wl-triage-audit",
      },
      {
        workItemId: "SA-0ML95LRFD08CS2CZ",
        lastAuditAt: Date.parse("2026-02-05T05:00:00.500Z"),
        commandId: "wl-triage-audit",
      },
    ]);
    expect(await t.store.getLastGlobalStart()).toBe(Date.parse("2026-02-05T09:50:00.123Z"));
    expect(await t.store.getCommand("delegation")).not.toHaveProperty("lastStartAt");
  });

  it("leaves no lease behind a stale running: true, so the next tick can start the command", async () => {
    const t = await createTestTable(server.endpoint);
    await importInto(t, {
      commands: { stuck: pythonStore().commands.stuck },
      state: { stuck: pythonStore().state.stuck },
    });
    const stuck = must(await t.store.getCommand("stuck"));
    expect(stuck.leaseRunId).toBeUndefined();
    expect(stuck.lastOutcome).toBe("abandoned");
    expect((await t.store.listAllRuns("stuck"))[0]).toMatchObject({ outcome: "abandoned" });
    const due = must(stuck.lastStartAt) + 30 * 60_000;
    // The command itself (sleep 3600) is not run: only the claim matters here.
    const deps = tickDeps(t.store, t.config, { now: due, dispatch: async () => {} });
    const result = await tickPass(deps, due);
    expect(result).toMatchObject({ kind: "started", commandId: "stuck" });
  });

  it("round-trips: the export is the imported file, in the daemon's own time format", async () => {
    const t = await createTestTable(server.endpoint);
    await importInto(t, pythonStore());
    expect(await exported(t.store)).toEqual(expectedExport());
  });

  it("round-trips an export byte for byte through a fresh store", async () => {
    const first = await createTestTable(server.endpoint);
    await importInto(first, pythonStore());
    await first.store.setPaused("delegation", true);
    const text = serializePythonStore((await exportPythonStore(first.store)).store);
    const second = await createTestTable(server.endpoint);
    await importInto(second, JSON.parse(text));
    expect(serializePythonStore((await exportPythonStore(second.store)).store)).toBe(text);
    expect((await second.store.getCommand("delegation"))?.paused).toBe(true);
  });

  it("changes nothing when the same file is imported again", async () => {
    const t = await createTestTable(server.endpoint);
    await importInto(t, pythonStore());
    const before = await items(t);
    const plan = await importInto(t, pythonStore(), T0 + 3_600_000);
    expect(plan.commands.every((c) => c.action === "unchanged")).toBe(true);
    expect(plan.commands.flatMap((c) => [...c.runsToWrite, ...c.runsToDelete])).toEqual([]);
    expect(plan.audits.toWrite).toEqual([]);
    expect(plan.globalStart.write).toBe(false);
    expect(await items(t)).toEqual(before);
  });

  it("finishes an import that was interrupted after writing a command's runs", async () => {
    const t = await createTestTable(server.endpoint);
    const parsed = parsePythonStore(JSON.stringify(pythonStore()), {
      maxOutputBytes: t.config.maxOutputBytes,
    });
    const heartbeat = must(parsed.commands.find((c) => c.spec.id === "heartbeat"));
    for (const run of heartbeat.runs) await t.store.putRunRecord(run);
    const plan = await importInto(t, pythonStore());
    const planned = must(plan.commands.find((c) => c.id === "heartbeat"));
    expect(planned).toMatchObject({ action: "new", runsUnchanged: 3, runsToWrite: [] });
    expect(await t.store.getCommand("heartbeat")).toMatchObject({ lastOutcome: "success" });
  });

  it("changes nothing when its own export is imported back", async () => {
    const t = await createTestTable(server.endpoint);
    await importInto(t, pythonStore());
    // A run recorded by this store (random run id), then export and import back.
    await runOnce(
      {
        store: t.store,
        runners: createRunners(processes),
        config: t.config,
        log: testLogger,
        clock: () => T0,
      },
      "heartbeat",
      "test",
    );
    const before = await items(t);
    const plan = await importInto(t, await exported(t.store));
    expect(plan.commands.every((c) => c.action === "unchanged")).toBe(true);
    expect(await items(t)).toEqual(before);
  });

  it("merges with runs already in the store and keeps only the newest AMPA_SCHEDULER_MAX_RUN_HISTORY", async () => {
    const t = await createTestTable(server.endpoint, { AMPA_SCHEDULER_MAX_RUN_HISTORY: "5" });
    const store = pythonStore();
    await importInto(t, { commands: { heartbeat: store.commands.heartbeat } });
    for (const at of [T0, T0 + 60_000]) {
      await runOnce(
        {
          store: t.store,
          runners: createRunners(processes),
          config: t.config,
          log: testLogger,
          clock: () => at,
        },
        "heartbeat",
        "test",
      );
    }
    const plan = await importInto(t, {
      commands: { heartbeat: store.commands.heartbeat },
      state: { heartbeat: store.state["wl-stats"] },
    });
    const heartbeat = must(plan.commands[0]);
    // 60 from the file + 2 already stored: the 5 newest are the 2 stored and 3 of the file.
    expect(heartbeat.runsToWrite).toHaveLength(3);
    expect(heartbeat.runsDropped).toBe(57);
    const runs = await t.store.listAllRuns("heartbeat");
    expect(runs.map((r) => r.startedAt).slice(0, 2)).toEqual([T0 + 60_000, T0]);
    expect(runs).toHaveLength(5);
  });

  it("refuses to import over a command that is running in the store, writing nothing", async () => {
    const t = await createTestTable(server.endpoint);
    await importInto(t, { commands: { heartbeat: pythonStore().commands.heartbeat } });
    must(
      await claimCommand(t.store, must(await t.store.getCommand("heartbeat")), {
        now: T0,
        owner: "tick:abc",
        trigger: "schedule",
        config: t.config,
      }),
    );
    const before = await items(t);
    await expect(importInto(t, pythonStore())).rejects.toThrow(
      /heartbeat is running in this store now \(lease held by tick:abc/,
    );
    expect(await items(t)).toEqual(before);
  });

  it("moves audit times and the global start forward only", async () => {
    const t = await createTestTable(server.endpoint);
    const newer = pythonStore();
    const older = pythonStore();
    must(older.state["wl-triage-audit"]).last_audit_at_by_item = {
      "SA-0ML8XKRV80GORAL7": "2026-01-01T00:00:00Z",
    };
    older.last_global_start_ts = "2026-01-01T00:00:00Z";
    await importInto(t, newer);
    const plan = await importInto(t, older);
    expect(plan.audits).toEqual({ toWrite: [], unchanged: 1 });
    expect(plan.globalStart.write).toBe(false);
    expect((await t.store.listAuditTimes())[0]?.lastAuditAt).toBe(
      Date.parse("2026-02-05T06:00:01.250Z"),
    );
  });
});
