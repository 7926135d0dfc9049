import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { type PassResult, tickPass } from "../../src/lib/app/tick.js";
import { renderMetrics } from "../../src/lib/adapters/prometheus.js";
import { commandRuntime } from "../../src/lib/app/commands/registry.js";
import { claimStored } from "../support/claims.js";
import { runCli } from "../support/cli.js";
import { MINUTE, must, spec } from "../support/commands.js";
import { argvOf, createDoubles, delegable } from "../support/doubles.js";
import { alive } from "../support/processes.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { tickDeps } from "../support/tick.js";
import {
  runRecorded,
  SHORT_LEASES,
  testWorkerDispatch,
  workerExit,
  workerOf,
  workersTmpDir,
} from "../support/task-workers.js";
import { waitFor } from "../support/wait.js";

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function table(): Promise<TestTable> {
  return createTestTable(server.endpoint, SHORT_LEASES);
}

/** One scheduled pass now that hands a `task` run to a real detached worker. */
async function dispatchTask(t: TestTable, workersDir: string, now = Date.now()) {
  const deps = tickDeps(t.store, t.config, {
    now,
    dispatch: testWorkerDispatch(server.endpoint, t.tableName, workersDir),
  });
  const result = await tickPass(deps, now);
  expect(result.kind).toBe("started");
  return result as Extract<PassResult, { kind: "started" }>;
}

/** The worker's own log lines (JSON), to read its exit code from. */
function workerLog(workersDir: string, runId: string): string {
  const path = join(workersDir, `${runId}.log`);
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/**
 * A fresh table with the task command `id`, whose shell command (given a pid file's path)
 * writes its program's pid there, dispatched by a pass to a real worker; once that program runs.
 */
async function startedTask(id: string, command: (pidFile: string) => string) {
  const t = await table();
  const workersDir = workersTmpDir();
  const pidFile = join(dirname(workersDir), "program.pid");
  await t.store.addCommand(spec(id, { command: command(pidFile), runtime: "task" }), Date.now());
  const started = await dispatchTask(t, workersDir);
  const worker = await workerOf(workersDir, started);
  const program = await waitFor(
    "the program",
    () => existsSync(pidFile) && Number(readFileSync(pidFile, "utf8")),
    20_000,
  );
  return { t, workersDir, started, worker, program };
}

describe("task workers (real detached processes against the store)", () => {
  it("a run longer than several TTLs outlives the tick process that started it, renews its lease and records its result", async () => {
    const t = await table();
    const workersDir = workersTmpDir();
    const marks = join(dirname(workersDir), "marks");
    await t.store.addCommand(
      spec("long", { command: `echo ran >> ${marks}; sleep 8; echo done`, runtime: "task" }),
      Date.now(),
    );
    // The tick runs in a process of its own that exits once it has dispatched.
    const tick = spawn(
      process.execPath,
      ["--import", "tsx", "test/support/tick-process.ts", server.endpoint, t.tableName, workersDir],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    tick.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise((r) => tick.once("exit", r));
    expect(code).toBe(0);
    const started = JSON.parse(out) as Extract<PassResult, { kind: "started" }>;
    expect(started.kind).toBe("started");
    const worker = await workerOf(workersDir, started);
    expect(alive(worker.pid)).toBe(true);

    // While it runs, the lease is renewed on the command item, well past one TTL.
    const renewed = await waitFor(
      "three renewals",
      async () => {
        const c = await t.store.getCommand("long");
        return (c?.leaseRenewals ?? 0) >= 3 ? c : undefined;
      },
      30_000,
    );
    expect(renewed.leaseWorker).toBe(`pid:${worker.pid}@${(await import("node:os")).hostname()}`);
    // Each renewal sets the lease one TTL past itself.
    expect(must(renewed.leaseExpiresAt) - must(renewed.leaseRenewedAt)).toBe(3000);

    const run = await runRecorded(t.store, "long", started.runId);
    expect(run).toMatchObject({ outcome: "success", runtime: "task", exitReason: "exited with 0" });
    expect(run.output).toContain("done");
    expect(run.durationMs).toBeGreaterThan(3 * 3000 - 1500);
    await workerExit(worker);
    expect(workerLog(workersDir, started.runId)).toContain('"exitCode":0');
    const metrics = await t.store.listMetrics();
    const renewals = metrics.find(
      (m) => m.name === "ampa_lease_renewals_total" && m.labels.command === "long",
    );
    expect(renewals?.value ?? 0).toBeGreaterThanOrEqual(5);
    const after = must(await t.store.getCommand("long"));
    expect(after.leaseRunId).toBeUndefined();
    expect(readFileSync(marks, "utf8")).toBe("ran\n");
  }, 90_000);

  it("the same claim dispatched again (a redelivery) runs nothing and exits 3", async () => {
    const t = await table();
    const workersDir = workersTmpDir();
    const marks = join(dirname(workersDir), "marks");
    // The first run lasts until the test has seen the redelivery exit (no fixed sleep).
    const go = join(dirname(workersDir), "go");
    await t.store.addCommand(
      spec("once", {
        command: `echo ran >> ${marks}; while [ ! -e ${go} ]; do sleep 0.1; done`,
        runtime: "task",
      }),
      Date.now(),
    );
    const { command, claim } = await claimStored(t, "once");
    const dispatch = testWorkerDispatch(server.endpoint, t.tableName, workersDir);
    await dispatch(command, claim);
    const first = await workerOf(workersDir, claim);
    await waitFor("the first worker to start the run", async () =>
      (await t.store.getCommand("once"))?.leaseWorker ? true : undefined,
    );
    // Redelivered while the first runs, then again once it is recorded.
    const secondLog = join(workersDir, `${claim.runId}.log`);
    await dispatch(command, claim);
    await waitFor(
      "the redelivery to exit 3 while the first runs",
      () => existsSync(secondLog) && readFileSync(secondLog, "utf8").includes('"exitCode":3'),
      30_000,
    );
    writeFileSync(go, "");
    await runRecorded(t.store, "once", claim.runId);
    await workerExit(first);
    await dispatch(command, claim);
    await waitFor(
      "both redeliveries to exit 3",
      () => (readFileSync(secondLog, "utf8").match(/"exitCode":3/g) ?? []).length === 2,
      30_000,
      () => readFileSync(secondLog, "utf8"),
    );
    expect(readFileSync(marks, "utf8")).toBe("ran\n");
    expect(await t.store.listRuns("once")).toHaveLength(1);
  }, 60_000);

  it("SIGKILL of a worker: its program dies with it, the run is recorded abandoned within the TTL and the next tick starts the command again", async () => {
    const { t, started, worker, program } = await startedTask(
      "killed",
      (pidFile) => `[ -e ${pidFile} ] && exit 0; echo $$ > ${pidFile}; sleep 60`,
    );
    process.kill(worker.pid, "SIGKILL");
    const killedAt = Date.now();
    await waitFor("the program to die with its worker", () => !alive(program));
    // A tick every 250 ms stands in for the schedule's minute.
    const recovered = await waitFor(
      "the abandoned record",
      async () => {
        await tickPass(tickDeps(t.store, t.config), Date.now());
        const runs = await t.store.listRuns("killed");
        return runs.find((r) => r.runId === started.runId && r.outcome === "abandoned");
      },
      30_000,
    );
    const recoveryMs = Date.now() - killedAt;
    process.stdout.write(
      `[figures] task worker SIGKILL → abandoned in ${recoveryMs} ms (TTL 3 s)\n`,
    );
    expect(recovered.outcome).toBe("abandoned");
    expect(recoveryMs).toBeLessThan(3000 + 15_000);
    // Not before the TTL: the last renewal was at most 1 s before the kill.
    expect(recoveryMs).toBeGreaterThan(3000 - 1000 - 500);
    // The schedule allows the next start a minute on: it starts again (runs inline here).
    const next = tickDeps(t.store, t.config, { now: Date.now() + MINUTE });
    const result = await tickPass(next, Date.now() + MINUTE);
    expect(result.kind).toBe("started");
    const runs = await t.store.listRuns("killed");
    expect(runs.find((r) => r.runId === next.starts[0]?.runId)?.outcome).toBe("success");
  }, 60_000);

  it("a worker whose lease was recovered and taken over kills its program and writes nothing over the newer run", async () => {
    const { t, workersDir, started, worker, program } = await startedTask(
      "taken",
      (pidFile) => `echo $$ > ${pidFile}; sleep 60`,
    );
    // Frozen past its TTL, the worker cannot renew: a tick recovers the lease and a newer
    // run claims it (held here, not run) before the worker wakes up.
    process.kill(worker.pid, "SIGSTOP");
    await waitFor(
      "the recovery",
      async () => {
        await tickPass(tickDeps(t.store, t.config, { dispatch: async () => {} }), Date.now());
        return (await t.store.listRuns("taken")).some((r) => r.outcome === "abandoned");
      },
      20_000,
    );
    const { claim: newer } = await claimStored(t, "taken", { owner: "newer", trigger: "run-once" });
    process.kill(worker.pid, "SIGCONT");
    await workerExit(worker, 20_000);
    expect(alive(program)).toBe(false);
    expect(workerLog(workersDir, started.runId)).toContain('"exitCode":4');
    const after = must(await t.store.getCommand("taken"));
    expect(after.leaseRunId).toBe(newer.runId);
    expect(after.leaseOwner).toBe("newer");
    const runs = await t.store.listRuns("taken");
    // Only the recovery's record of the old run: the worker wrote no result.
    expect(runs.map((r) => [r.runId, r.outcome])).toEqual([[started.runId, "abandoned"]]);
  }, 60_000);

  it("SIGTERM of a worker: it kills its program and records the run abandoned itself, saying why", async () => {
    const { t, workersDir, started, worker, program } = await startedTask(
      "stopped",
      (pidFile) => `echo $$ > ${pidFile}; echo working; sleep 60`,
    );
    process.kill(worker.pid, "SIGTERM");
    const run = await runRecorded(t.store, "stopped", started.runId, 20_000);
    await workerExit(worker, 20_000);
    expect(alive(program)).toBe(false);
    expect(run).toMatchObject({
      outcome: "abandoned",
      exitReason: "stopped: its worker got SIGTERM",
    });
    expect(run.output).toBe(
      "working\n[ampa] stopped: its worker got SIGTERM; the run is abandoned",
    );
    expect(workerLog(workersDir, started.runId)).toContain('"exitCode":5');
    expect(must(await t.store.getCommand("stopped")).leaseRunId).toBeUndefined();
  }, 60_000);

  it("runs a task in a fresh clone of AMPA_WORKSPACE_REPO and removes it afterwards", async () => {
    const t = await table();
    const workersDir = workersTmpDir();
    // A real bare repository with one commit, cloned over file://.
    const base = dirname(workersDir);
    const git = (cwd: string, ...args: string[]) =>
      execFileSync("git", args, { cwd, stdio: "pipe" }).toString();
    git(base, "init", "-q", "--bare", "-b", "main", "origin.git");
    git(base, "init", "-q", "-b", "main", "src");
    writeFileSync(join(base, "src", "README.md"), "the workspace\n");
    git(join(base, "src"), "add", "README.md");
    git(join(base, "src"), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one");
    git(join(base, "src"), "push", "-q", `file://${base}/origin.git`, "main");
    await t.store.addCommand(
      spec("in-clone", { command: 'cat README.md; echo "cwd=$PWD"', runtime: "task" }),
      Date.now(),
    );
    const { command, claim } = await claimStored(t, "in-clone");
    const scratch = join(base, "scratch");
    mkdirSync(scratch);
    await testWorkerDispatch(server.endpoint, t.tableName, workersDir, {
      AMPA_WORKSPACE_REPO: `file://${base}/origin.git`,
      AMPA_WORKSPACE_DIR: scratch,
    })(command, claim);
    const run = await runRecorded(t.store, "in-clone", claim.runId);
    expect(run.outcome).toBe("success");
    expect(run.output).toContain("the workspace");
    expect(run.output).toMatch(new RegExp(`cwd=${scratch}/ampa-ws-`));
    // The clone is removed before the run is recorded.
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("a delegation, a task by default, claims and dispatches its item from the worker process", async () => {
    const t = await table();
    const workersDir = workersTmpDir();
    const d = createDoubles({ wl: { items: [delegable({ id: "SA-7", title: "Idea" })] } });
    await t.store.addCommand(spec("delegate", { type: "delegation", command: "" }), Date.now());
    const { command, claim } = await claimStored(t, "delegate");
    await testWorkerDispatch(server.endpoint, t.tableName, workersDir, d.env)(command, claim);
    const run = await runRecorded(t.store, "delegate", claim.runId);
    expect(run).toMatchObject({ outcome: "success", runtime: "task" });
    expect(run.worker).toMatch(/^pid:\d+@/);
    expect(argvOf(d, "opencode").map((argv) => argv.at(-1))).toEqual([
      expect.stringMatching(/^\/intake SA-7 /),
    ]);
    expect(await t.store.listDispatches()).toEqual([
      expect.objectContaining({ workItemId: "SA-7", runId: claim.runId, action: "intake" }),
    ]);
  });

  it("a task run records its compute time at the configured size, counts it, and ampa status sums it with its agent's usage", async () => {
    const t = await table();
    const workersDir = workersTmpDir();
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-8", title: "Idea" })] },
      opencode: { default: { stdout: "Done.", usage: { input: 2000, output: 500, cost: 0.0421 } } },
    });
    await t.store.addCommand(spec("delegate", { type: "delegation", command: "" }), Date.now());
    const { command, claim } = await claimStored(t, "delegate");
    // Half a vCPU and 1 GB, in Fargate's units.
    const size = { AMPA_TASK_CPU: "512", AMPA_TASK_MEMORY: "1024" };
    await testWorkerDispatch(server.endpoint, t.tableName, workersDir, { ...d.env, ...size })(
      command,
      claim,
    );
    const worker = await workerOf(workersDir, claim);
    const run = await runRecorded(t.store, "delegate", claim.runId);
    // The counters are bumped after the record is written: done once the worker exits.
    await workerExit(worker);
    expect(run).toMatchObject({ outcome: "success", runtime: "task" });
    expect(run.agentUsage).toEqual([
      { agent: "opencode", inputTokens: 2000, outputTokens: 500, costUsd: 0.0421 },
    ]);
    const seconds = run.durationMs / 1000;
    expect(seconds).toBeGreaterThan(0);
    expect(run.compute).toEqual({ vcpuSeconds: seconds * 0.5, gbSeconds: seconds * 1 });
    // /metrics counts it, beside the agent's figures.
    const { body } = await renderMetrics({
      commands: (await t.store.listCommands()).commands,
      runtimeOf: commandRuntime,
      corruptItems: 0,
      stored: await t.store.listMetrics(),
      notify: {},
      deadLetters: 0,
      now: Date.now(),
    });
    const counter = (name: string) =>
      Number(new RegExp(`^${name}\\{command="delegate"\\} (\\S+)$`, "m").exec(body)?.[1]);
    expect(counter("ampa_task_compute_vcpu_seconds_total")).toBeCloseTo(seconds * 0.5, 6);
    expect(counter("ampa_task_compute_gb_seconds_total")).toBeCloseTo(seconds, 6);
    expect(body).toContain('ampa_agent_cost_usd_total{command="delegate",agent="opencode"} 0.0421');

    const status = await runCli(["status", "--json"], {
      AMPA_DYNAMODB_ENDPOINT: server.endpoint,
      AMPA_TABLE_NAME: t.tableName,
    });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).usage).toEqual({
      note: expect.stringContaining("over the runs on record"),
      maxRunsPerCommand: 50,
      commands: [
        {
          id: "delegate",
          runs: 1,
          agents: [
            { agent: "opencode", runs: 1, inputTokens: 2000, outputTokens: 500, costUsd: 0.0421 },
          ],
          compute: { runs: 1, vcpuSeconds: seconds * 0.5, gbSeconds: seconds },
        },
      ],
    });
  }, 90_000);

  it("a worker without a valid claim runs nothing and exits 2, saying what is wrong", async () => {
    for (const [claim, says] of [
      [undefined, "AMPA_CLAIM is not set"],
      ['{"commandId":"x"}', "AMPA_CLAIM is not a valid claim: runId"],
    ] as const) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        AMPA_LOG_LEVEL: "info",
        AMPA_LOG_FORMAT: "json",
      };
      delete env.AMPA_CLAIM;
      if (claim !== undefined) env.AMPA_CLAIM = claim;
      const child = spawn(process.execPath, ["--import", "tsx", "src/handlers/task.ts"], {
        env: { ...env, AMPA_DYNAMODB_ENDPOINT: server.endpoint },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr.on("data", (c: Buffer) => (out += c.toString()));
      const code = await new Promise((r) => child.once("exit", r));
      expect(code, out).toBe(2);
      expect(out).toContain(says);
    }
  }, 60_000);
});
