import { testLogger } from "../support/logger.js";
import { ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/lib/core/command.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";

import { runOnce } from "../../src/lib/app/run.js";
import { claimCommand, finishRun, recoverAbandonedRun } from "../../src/lib/app/run-protocol.js";
import { createRunners } from "../../src/lib/app/commands/registry.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import { MINUTE, must, spec, T0 } from "../support/commands.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { runKey } from "../../src/lib/adapters/dynamodb/keys.js";

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function run(
  commandId: string,
  runId: string,
  startedAt: number,
  overrides: Partial<RunRecord> = {},
): RunRecord {
  return {
    commandId,
    runId,
    trigger: "schedule",
    startedAt,
    endedAt: startedAt + 1000,
    durationMs: 1000,
    exitCode: 0,
    outcome: "success",
    output: "ok",
    outputTruncatedBytes: 0,
    ...overrides,
  };
}

describe("store", () => {
  it("reads more than 1 MB of commands across pages", async () => {
    const t = await createTestTable(server.endpoint);
    let queries = 0;
    t.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "QueryCommand") queries++;
        return next(args);
      },
      { step: "initialize" },
    );
    const padding = "p".repeat(30_000);
    for (let i = 0; i < 40; i++) {
      await t.store.addCommand(
        spec(`cmd-${String(i).padStart(2, "0")}`, { metadata: { padding } }),
        T0,
      );
    }
    queries = 0;
    const { commands, corrupt } = await t.store.listCommands();
    expect(corrupt).toEqual([]);
    expect(commands.map((c) => c.id)).toEqual(
      Array.from({ length: 40 }, (_, i) => `cmd-${String(i).padStart(2, "0")}`),
    );
    expect(queries).toBeGreaterThan(1);
  });

  it("a late finisher does not overwrite the state of a newer run", async () => {
    const t = await createTestTable(server.endpoint, {
      AMPA_LEASE_TTL_SECONDS: "60",
      AMPA_LEASE_RENEW_SECONDS: "20",
    });
    await t.store.addCommand(spec("x", { maxRuntimeMinutes: 1 }), T0);
    const first = await claimCommand(t.store, must(await t.store.getCommand("x")), {
      now: T0,
      owner: "a",
      trigger: "schedule",
      config: t.config,
    });
    if (!first) throw new Error("first claim failed");
    // The first run outlives its lease: recovered as abandoned, then a second run starts.
    const expired = await t.store.getCommand("x");
    expect(
      await recoverAbandonedRun(t.store, must(expired), first.leaseExpiresAt + 1),
    ).toMatchObject({
      outcome: "abandoned",
    });
    const second = await claimCommand(t.store, must(await t.store.getCommand("x")), {
      now: T0 + 2 * MINUTE,
      owner: "b",
      trigger: "schedule",
      config: t.config,
    });
    if (!second) throw new Error("second claim failed");

    const current = await finishRun(
      t.store,
      first,
      run("x", first.runId, T0, { exitCode: 7, outcome: "failure" }),
    );
    expect(current).toBe(false);
    const after = await t.store.getCommand("x");
    expect(after).toMatchObject({
      leaseRunId: second.runId,
      lastStartAt: T0 + 2 * MINUTE,
      lastRunId: second.runId,
    });
    expect(after?.lastExitCode).toBeUndefined();
    const firstRecord = (await t.store.listRuns("x")).find((r) => r.runId === first.runId);
    expect(firstRecord).toMatchObject({ exitCode: 7, late: true });

    expect(await finishRun(t.store, second, run("x", second.runId, T0 + 2 * MINUTE))).toBe(true);
    expect(await t.store.getCommand("x")).toMatchObject({
      lastExitCode: 0,
      lastOutcome: "success",
    });
    expect((await t.store.getCommand("x"))?.leaseRunId).toBeUndefined();
  });

  it("keeps only the newest AMPA_SCHEDULER_MAX_RUN_HISTORY runs", async () => {
    const t = await createTestTable(server.endpoint, { AMPA_SCHEDULER_MAX_RUN_HISTORY: "3" });
    await t.store.addCommand(spec("h"), T0);
    for (let i = 0; i < 6; i++) {
      const claim = await claimCommand(t.store, must(await t.store.getCommand("h")), {
        now: T0 + i * MINUTE,
        owner: "t",
        trigger: "schedule",
        config: t.config,
      });
      if (!claim) throw new Error("claim failed");
      await finishRun(
        t.store,
        claim,
        run("h", claim.runId, T0 + i * MINUTE, { output: `run ${i}` }),
      );
    }
    expect((await t.store.listRuns("h", 100)).map((r) => r.output)).toEqual([
      "run 5",
      "run 4",
      "run 3",
    ]);
  });

  it("stores a 1 MB command output truncated, well under the item size limit", async () => {
    const t = await createTestTable(server.endpoint);
    await t.store.addCommand(
      spec("loud", { command: "head -c 1048576 /dev/zero | tr '\\0' x; echo END" }),
      T0,
    );
    const record = await runOnce(
      {
        store: t.store,
        runners: createRunners(processes),
        config: t.config,
        log: testLogger,
        clock: Date.now,
      },
      "loud",
      "test",
    );
    expect(record.exitCode).toBe(0);
    const [stored] = await t.store.listRuns("loud");
    // 1 MiB of x plus "END\n"; 64 bytes of the limit are kept for the truncation marker.
    expect(stored?.outputTruncatedBytes).toBe(1_048_580 - (t.config.maxOutputBytes - 64));
    expect(Buffer.byteLength(stored?.output ?? "")).toBeLessThanOrEqual(t.config.maxOutputBytes);
    expect(stored?.output.endsWith("END\n")).toBe(true);
  });

  it("notes a run's post on its record, and reads the note leniently", async () => {
    const t = await createTestTable(server.endpoint);
    const old = run("c", "r-old", T0);
    const odd = run("c", "r-odd", T0 + MINUTE);
    for (const r of [old, odd]) await t.store.putRunRecord(r);
    // An older record has no note; a value this version does not know reads as none.
    await t.doc.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: runKey(odd),
        UpdateExpression: "SET notified = :n",
        ExpressionAttributeValues: { ":n": "carrier-pigeon" },
      }),
    );
    const notes = async () =>
      Object.fromEntries((await t.store.listRuns("c")).map((r) => [r.runId, r.notified]));
    expect(await notes()).toEqual({ "r-old": undefined, "r-odd": undefined });
    await t.store.recordRunNotified(old, "dead_letter");
    expect(await notes()).toEqual({ "r-old": "dead_letter", "r-odd": undefined });
    // A record trimmed meanwhile is not brought back by the note.
    await t.store.deleteRun(odd);
    await t.store.recordRunNotified(odd, "sent");
    expect(await notes()).toEqual({ "r-old": "dead_letter" });
  });

  it("keeps a task run's compute time on its record, none for another run, and reads a malformed one as none", async () => {
    const t = await createTestTable(server.endpoint);
    await t.store.addCommand(spec("c", { command: "echo hi" }), T0);
    const deps = {
      store: t.store,
      runners: createRunners(processes),
      config: t.config,
      log: testLogger,
      clock: Date.now,
    };
    // Run as a task worker runs it (half a vCPU, 1 GB), then as a function run.
    const task = await runOnce({ ...deps, taskSize: { vcpu: 0.5, memoryGb: 1 } }, "c", "test");
    const plain = await runOnce(deps, "c", "test");
    const seconds = task.durationMs / 1000;
    expect(task.compute).toEqual({ vcpuSeconds: seconds * 0.5, gbSeconds: seconds });
    expect(plain.compute).toBeUndefined();
    const stored = async () =>
      Object.fromEntries((await t.store.listRuns("c")).map((r) => [r.runId, r.compute]));
    expect(await stored()).toEqual({ [task.runId]: task.compute, [plain.runId]: undefined });
    // A hand-edited record keeps its run; only the figure is dropped.
    await t.doc.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: runKey(task),
        UpdateExpression: "SET #c = :c",
        ExpressionAttributeNames: { "#c": "compute" },
        ExpressionAttributeValues: { ":c": { vcpuSeconds: "lots", gbSeconds: -1 } },
      }),
    );
    expect(await stored()).toEqual({ [task.runId]: undefined, [plain.runId]: undefined });
  });

  it("removing a command deletes its run history too", async () => {
    const t = await createTestTable(server.endpoint);
    await t.store.addCommand(spec("gone", { command: "echo hi" }), T0);
    await runOnce(
      {
        store: t.store,
        runners: createRunners(processes),
        config: t.config,
        log: testLogger,
        clock: Date.now,
      },
      "gone",
      "test",
    );
    await t.store.removeCommand("gone");
    const { Items } = await t.doc.send(new ScanCommand({ TableName: t.tableName }));
    expect((Items ?? []).filter((i) => String(i.pk).startsWith("RUN#") || i.pk === "CMD")).toEqual(
      [],
    );
  });

  it("keeps the newest audit time per work item; an older one never replaces it", async () => {
    const t = await createTestTable(server.endpoint);
    expect(await t.store.getLastAudit("SA-1")).toBeUndefined();
    await t.store.recordAudit("SA-1", T0, "audit");
    await t.store.recordAudit("SA-1", T0 - MINUTE, "audit");
    expect(await t.store.getLastAudit("SA-1")).toBe(T0);
    await t.store.recordAudit("SA-1", T0 + MINUTE, "audit");
    expect(await t.store.getLastAudit("SA-1")).toBe(T0 + MINUTE);
    expect(await t.store.getLastAudit("SA-2")).toBeUndefined();
  });
});
