import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCli } from "../support/cli.js";
import { must, spec } from "../support/commands.js";
import { createDoubles, type Doubles, workItem } from "../support/doubles.js";
import { ROOT, type Started, stackStore, startStack } from "../support/local-stack.js";
import {
  ping,
  signedHeaders,
  slashCommand,
  testApplication,
} from "../support/discord-interactions.js";
import { alive, freePort } from "../support/processes.js";
import { waitFor } from "../support/wait.js";
import { type FakeWebhook, startFakeWebhook } from "../support/webhook-server.js";

/** serverless-offline's pid: npm start's child running osls's `offline start`. */
function serverlessOfflinePid(stackPid: number): number | undefined {
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (ppid === stackPid && cmdline.includes("serverless.js\0offline")) return Number(name);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/**
 * Tick lines logged after `since` (their own "time"): a line the killed serverless-offline
 * wrote just before its death may still be on its way through the pipe, so counting lines
 * seen before and after the kill could take it for a tick of the new one.
 */
const ticksSince = (output: string, since: number) =>
  output
    .split("\n")
    .filter((l) => l.includes('"msg":"tick: '))
    .filter((l) => Date.parse(/"time":"([^"]+)"/.exec(l)?.[1] ?? "") > since).length;

/** How long the stack may take to boot, build and run what a test waits for. */
const STACK_WAIT_MS = 90_000;

describe("npm start (local stack)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ampa-stack-"));
  const storeDir = join(dir, "data");
  const esbuildDir = `.ampa/esbuild-test-${process.pid}`;
  let env: Record<string, string>;
  let stack: Started;
  // Discord's application (its key made here) and its REST API, recording answer edits.
  const discordApp = testApplication();
  let discordApi: FakeWebhook;
  // wl, opencode and gh doubles on the stack's PATH: one in-progress item whose audit
  // reports a merged PR.
  const doubles: Doubles = createDoubles({
    wl: {
      items: [
        workItem({ id: "SA-42", title: "Fix login", status: "in-progress", stage: "in_progress" }),
      ],
    },
    opencode: {
      responses: [
        {
          prefix: "/audit",
          stdout: "## Summary\nDone: https://github.com/acme/app/pull/7 is merged.\n",
        },
      ],
    },
    gh: { prs: { "acme/app#7": { merged: true } } },
  });

  beforeAll(async () => {
    discordApi = await startFakeWebhook();
    env = {
      ...doubles.env,
      AMPA_DISCORD_PUBLIC_KEY: discordApp.publicKeyHex,
      AMPA_DISCORD_ALLOWLIST: "user:111",
      AMPA_DISCORD_API_URL: new URL(discordApi.url).origin,
      AMPA_SCHEDULER_STORE: storeDir,
      AMPA_METRICS_PORT: String(await freePort()),
      AMPA_LAMBDA_PORT: String(await freePort()),
      AMPA_ESBUILD_DIR: esbuildDir,
      // No global minimum, and a pass every second inside the tick: both examples, and each
      // command a test adds, start within a second or two of being due, not minutes.
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
      AMPA_SCHEDULER_POLL_INTERVAL_SECONDS: "1",
      AMPA_INBOX_PORT: String(await freePort()),
      // Shorter leases than the default 180 s: task workers renew every 2 s (the task test
      // sees a renewal within seconds). The TTL must still cover serverless-offline's first,
      // cold runCommand invocation (it builds the function first: over 30 s on a loaded
      // 2-core machine).
      AMPA_LEASE_TTL_SECONDS: "90",
      AMPA_LEASE_RENEW_SECONDS: "2",
    };
    stack = startStack(env);
  }, 120_000);

  afterAll(async () => {
    if (stack.child.exitCode === null) {
      stack.child.kill("SIGKILL");
      await stack.exited;
    }
    rmSync(join(ROOT, esbuildDir), { recursive: true, force: true });
    await discordApi.close();
  });

  it("seeds the examples, ticks at once and runs them through runCommand into the local inbox", async () => {
    await waitFor(
      "the first tick decision",
      () => stack.output().includes('"msg":"tick: started heartbeat'),
      STACK_WAIT_MS,
    );
    expect(stack.output()).toContain("added example commands date, heartbeat");
    expect(stack.output()).toContain("messages go to a LOCAL INBOX");
    await waitFor(
      "the startup message and the date output in the inbox",
      () => ["# Scheduler Started", "# Date"].every((m) => stack.output().includes(m)),
      STACK_WAIT_MS,
      () => stack.output(),
    );
    const cli = { AMPA_SCHEDULER_STORE: storeDir };
    // Polled through a client of the stack's store: a CLI start per poll costs ~0.5 CPU-s,
    // and on a busy machine the slower the runs, the more polls.
    const watcher = stackStore(storeDir);
    try {
      await waitFor(
        "the date and heartbeat runs to be recorded",
        async () => {
          const outcome = async (id: string) => (await watcher.getCommand(id))?.lastOutcome;
          return (
            (await outcome("date")) === "success" && (await outcome("heartbeat")) === "success"
          );
        },
        STACK_WAIT_MS,
      );
    } finally {
      watcher.close();
    }
    // The CLI, against the running stack, says the same.
    const listed = JSON.parse((await runCli(["list", "--json"], cli)).stdout) as {
      id: string;
      lastOutcome: string;
    }[];
    expect(["date", "heartbeat"].map((id) => listed.find((c) => c.id === id)?.lastOutcome)).toEqual(
      ["success", "success"],
    );
    // With no global minimum both examples start in the first tick, so which one finishes
    // first is a race: a heartbeat stays quiet when the date message went out just before
    // it (the seed's rule). Each heartbeat that ran must have done one of the two, and said so.
    const store = stackStore(storeDir);
    try {
      const heartbeats = (await store.listRuns("heartbeat")).filter((r) => r.outcome === "success");
      expect(heartbeats.length).toBeGreaterThan(0);
      for (const run of heartbeats) {
        expect(run.output).toMatch(
          /^(Heartbeat sent\.|Heartbeat skipped: a message went out \d+ s ago\.)$/,
        );
      }
      const sent = heartbeats.filter((r) => r.output === "Heartbeat sent.").length;
      await waitFor(
        "every heartbeat sent to be in the inbox",
        () => (stack.output().match(/# AMPA Heartbeat/g) ?? []).length >= sent,
        STACK_WAIT_MS,
      );
    } finally {
      store.close();
    }
  }, 120_000);

  it("serves /health marked as AMPA's own, and /metrics from the store", async () => {
    const health = await fetch(`http://127.0.0.1:${env.AMPA_METRICS_PORT}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-ampa-service")).toBe("health");
    const store = stackStore(storeDir);
    let recorded: { sent: number; dateRuns: number };
    try {
      const heartbeats = await store.listRuns("heartbeat");
      recorded = {
        sent: heartbeats.filter((r) => r.output === "Heartbeat sent.").length,
        dateRuns: (await store.listRuns("date")).length,
      };
    } finally {
      store.close();
    }
    const metrics = await fetch(`http://127.0.0.1:${env.AMPA_METRICS_PORT}/metrics`);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const text = await metrics.text();
    expect(text).toMatch(/ampa_command_last_exit_code\{command="date"\} 0/);
    expect(text).toMatch(/ampa_command_last_exit_code\{command="heartbeat"\} 0/);
    // The counter agrees with the runs on record (more may have run since they were read).
    const counter = Number(/^ampa_heartbeat_sent_total (\d+)$/m.exec(text)?.[1]);
    expect(counter).toBeGreaterThanOrEqual(recorded.sent);
    expect(recorded.dateRuns).toBeGreaterThan(0);
  });

  it("answers Discord at POST /discord/interactions: PING, and /ampa pause finished by an edit", async () => {
    const url = `http://127.0.0.1:${env.AMPA_METRICS_PORT}/discord/interactions`;
    // Run alone (-t), the stack may still be starting.
    await waitFor(
      "serverless-offline's HTTP port",
      () =>
        fetch(`http://127.0.0.1:${env.AMPA_METRICS_PORT}/health`).then(
          (r) => r.ok,
          () => false,
        ),
      STACK_WAIT_MS,
      stack.output,
    );
    const post = (body: unknown, at = Date.now()) => {
      const text = JSON.stringify(body);
      return fetch(url, {
        method: "POST",
        headers: signedHeaders(discordApp.privateKey, text, at),
        body: text,
      });
    };
    const pong = await post(ping(discordApp));
    expect(pong.status).toBe(200);
    expect(await pong.json()).toEqual({ type: 1 });
    expect((await post(ping(discordApp), Date.now() - 6 * 60_000)).status).toBe(401);
    const pause = slashCommand(discordApp, "pause", { id: "date" }, { userId: "111" });
    expect(await (await post(pause)).json()).toEqual({ type: 5 });
    const edit = await waitFor("the edit of /ampa pause's answer", () =>
      discordApi.requests.find((r) => r.path.includes(`/${pause.token}/`)),
    );
    expect(JSON.parse(edit.body).content).toBe("Paused `date`.");
    const cli = { AMPA_SCHEDULER_STORE: storeDir };
    const status = JSON.parse((await runCli(["status", "--json"], cli)).stdout);
    expect(status.actions[0]).toMatchObject({
      action: "pause",
      commandId: "date",
      outcome: "done",
    });
    expect((await runCli(["resume", "date"], cli)).code).toBe(0);
  });

  it("refuses a second npm start on the same store directory with a clear message", async () => {
    const second = startStack({ ...env, AMPA_METRICS_PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain("is in use by `npm start`");
  });

  it("runs CLI commands against the running stack without opening its directory", async () => {
    const cli = { AMPA_SCHEDULER_STORE: storeDir };
    expect((await runCli(["add", "echo", "echo hi", "5", "0"], cli)).code).toBe(0);
    // A new command is due at once: the stack's tick may claim it before the next CLI
    // call (CI saw run-once exit 4, busy). Paused, no tick starts it again, and run-once
    // (which runs a paused command) is retried only while that one run holds the lease.
    expect((await runCli(["pause", "echo"], cli)).code).toBe(0);
    const once = await waitFor("run-once of echo, once no tick run holds it", async () => {
      const r = await runCli(["run-once", "echo"], cli);
      return r.code === EXIT.busy ? undefined : r;
    });
    expect(once).toMatchObject({ code: 0, stdout: "hi\nRun-once complete for echo exit=0\n" });
  });

  it("completes a work item end to end with a scheduled triage audit", async () => {
    const cli = { AMPA_SCHEDULER_STORE: storeDir };
    const added = await runCli(
      ["add", "triage", "", "60", "0", "--type", "triage-audit", "--title", "Triage"],
      cli,
    );
    expect(added.code).toBe(0);
    await waitFor(
      "the audit messages in the inbox",
      () =>
        ["# Triage Audit — Fix login", "# Audit Completed — Fix login"].every((m) =>
          stack.output().includes(m),
        ),
      STACK_WAIT_MS,
    );
    expect(doubles.wlState().items[0]).toMatchObject({ status: "completed", stage: "in_review" });
    expect(doubles.wlState().comments["SA-42"]?.[0]?.comment).toMatch(/^# AMPA Audit Result/);
    expect(
      doubles
        .calls()
        .filter((c) => c.program !== "wl")
        .map((c) => [c.program, ...c.argv]),
    ).toEqual([
      ["opencode", "run", "--format", "json", "/audit SA-42"],
      ["gh", "pr", "view", "7", "--repo", "acme/app", "--json", "merged"],
    ]);
    // Self-announcing: no generic `# Triage` message.
    expect(stack.output()).not.toMatch(/# Triage\n/);
  }, 120_000);

  it("runs a task command in a detached worker that outlives a killed serverless-offline, while ticks go on", async () => {
    const store = stackStore(storeDir);
    const pidFile = join(dir, "task.pid");
    // The task runs until the test has seen what it waits for (a tick after the restart),
    // then ends: the test, not a fixed sleep, decides how long it outlives serverless-offline.
    const go = join(dir, "task.go");
    await store.addCommand(
      spec("task", {
        command: `echo $$ > ${pidFile}; while [ ! -e ${go} ]; do sleep 0.1; done; echo done`,
        runtime: "task",
      }),
      Date.now(),
    );
    const leased = await waitFor(
      "the task's worker to start it",
      async () => {
        const c = await store.getCommand("task");
        return c?.leaseWorker?.startsWith("pid:") ? c : undefined;
      },
      STACK_WAIT_MS,
    );
    const workerPid = Number(/^pid:(\d+)@/.exec(leased.leaseWorker ?? "")?.[1]);
    // serverless-offline dies; npm start starts it again and the worker goes on renewing.
    const offline = must(serverlessOfflinePid(must(stack.child.pid)));
    process.kill(offline, "SIGKILL");
    const killedAt = Date.now();
    await waitFor(
      "serverless-offline to be started again",
      () => stack.output().includes("starting it again (task workers keep running)"),
      STACK_WAIT_MS,
    );
    // The new serverless-offline ticks on the minute: its restart (a build, 5-30 s, more
    // under load) plus at most 60 s; 60 s more than STACK_WAIT_MS for that. The task runs
    // until then.
    const during = await waitFor(
      "a tick while the task runs",
      async () => {
        const c = await store.getCommand("task");
        return ticksSince(stack.output(), killedAt) > 0 && c?.leaseRunId === leased.leaseRunId
          ? c
          : undefined;
      },
      STACK_WAIT_MS + 60_000,
    );
    expect(alive(workerPid)).toBe(true);
    writeFileSync(go, "");
    const run = await waitFor(
      "the task's result",
      async () => (await store.listRuns("task")).find((r) => r.runId === leased.leaseRunId),
      STACK_WAIT_MS,
    );
    expect(run).toMatchObject({ outcome: "success", runtime: "task", worker: leased.leaseWorker });
    expect(run.output).toContain("done");
    expect(during.leaseRenewals ?? 0).toBeGreaterThanOrEqual(1);
    await store.setPaused("task", true);
    store.close();
  }, 300_000);

  it("stops every child on SIGINT, including a command still running and a task worker (which records its run abandoned first), and releases the store", async () => {
    const pidFile = join(dir, "long.pid");
    const cli = { AMPA_SCHEDULER_STORE: storeDir };
    // A task run in progress: its worker is stopped before the store closes.
    const store = stackStore(storeDir);
    const taskPidFile = join(dir, "stopped.pid");
    await store.addCommand(
      spec("stopped", { command: `echo $$ > ${taskPidFile}; exec sleep 120`, runtime: "task" }),
      Date.now(),
    );
    await waitFor(
      "the worker to start it",
      async () => (await store.getCommand("stopped"))?.leaseWorker && existsSync(taskPidFile),
      STACK_WAIT_MS,
    );
    const taskProgram = Number(readFileSync(taskPidFile, "utf8"));
    store.close();
    expect(
      (await runCli(["add", "long", `echo $$ > ${pidFile}; exec sleep 120`, "60", "0"], cli)).code,
    ).toBe(0);
    // Start it inside the stack (runOnce through serverless-offline's Lambda endpoint).
    const lambda = new LambdaClient({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${env.AMPA_LAMBDA_PORT}`,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await lambda.send(
      new InvokeCommand({
        FunctionName: "ampa-dev-runOnce",
        InvocationType: "Event",
        Payload: new TextEncoder().encode(JSON.stringify({ id: "long" })),
      }),
    );
    lambda.destroy();
    await waitFor(
      "the long command to start",
      () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "",
      STACK_WAIT_MS,
    );
    const commandPid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(commandPid)).toBe(true);

    stack.child.kill("SIGINT");
    expect(await stack.exited).toBe(0);
    expect(stack.output()).toContain("stopped 1 task worker(s): stopped (recorded abandoned)");
    expect(alive(taskProgram)).toBe(false);
    expect(existsSync(`${storeDir}.lock`)).toBe(false);
    await waitFor("the command to be killed", () => !alive(commandPid), 5_000);
    // The store survives the restart-free shutdown: the CLI can open it directly now.
    const listed = JSON.parse(
      (await runCli(["list", "--json"], { AMPA_SCHEDULER_STORE: storeDir })).stdout,
    );
    expect(listed.map((c: { id: string; paused: boolean }) => [c.id, c.paused])).toEqual([
      ["date", false],
      ["echo", true],
      ["heartbeat", false],
      ["long", false],
      ["stopped", false],
      ["task", true],
      ["triage", false],
    ]);
    const stopped = listed.find((c: { id: string }) => c.id === "stopped") as {
      lastOutcome: string;
    };
    expect(stopped.lastOutcome).toBe("abandoned");
  }, 120_000);
});
