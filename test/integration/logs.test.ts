import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { type PassResult, tickPass } from "../../src/lib/app/tick.js";
import { spec } from "../support/commands.js";
import { runCli } from "../support/cli.js";
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

const BIN = resolve(import.meta.dirname, "../../bin/ampa.mjs");

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A task command dispatched by one pass to a real detached worker. */
async function startedTask(t: TestTable, workersDir: string, id: string) {
  const now = Date.now();
  const deps = tickDeps(t.store, t.config, {
    now,
    dispatch: testWorkerDispatch(server.endpoint, t.tableName, workersDir),
  });
  const result = await tickPass(deps, now);
  expect(result.kind).toBe("started");
  const started = result as Extract<PassResult, { kind: "started" }>;
  expect(started.commandId).toBe(id);
  return { started, worker: await workerOf(workersDir, started) };
}

/** `ampa logs …` as a child whose stdout is read as it comes. */
function follow(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, "logs", ...args], {
    env: { ...process.env, AMPA_LOAD_DOTENV: "0", AMPA_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const seen = { stdout: "", stderr: "", lines: [] as { text: string; at: number }[] };
  let partial = "";
  child.stdout.on("data", (c: Buffer) => {
    seen.stdout += c.toString();
    partial += c.toString();
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) seen.lines.push({ text, at: Date.now() });
  });
  child.stderr.on("data", (c: Buffer) => (seen.stderr += c.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", r));
  return { child, seen, exit };
}

describe("ampa logs (a real local task worker)", () => {
  it("follows a running run: a line shows while the program still runs, and -f stops when the run ends", async () => {
    const t = await createTestTable(server.endpoint, SHORT_LEASES);
    const workersDir = workersTmpDir();
    const base = dirname(workersDir);
    // The program prints a line, waits for the test, prints one with the time it wrote it,
    // waits again.
    const next = join(base, "next");
    const go = join(base, "go");
    const waitFile = (f: string) => `while [ ! -e ${f} ]; do sleep 0.05; done`;
    await t.store.addCommand(
      spec("watched", {
        command: `echo "first line"; ${waitFile(next)}; echo "second line at $(date +%s%3N)"; ${waitFile(go)}; echo "last line"`,
        runtime: "task",
      }),
      Date.now(),
    );
    const { started, worker } = await startedTask(t, workersDir, "watched");
    const env = {
      AMPA_DYNAMODB_ENDPOINT: server.endpoint,
      AMPA_TABLE_NAME: t.tableName,
      AMPA_SCHEDULER_STORE: join(base, "store"),
    };
    const logs = follow(["watched", "-f"], env);
    await waitFor(
      "the first line in ampa logs -f",
      () => logs.seen.lines.some((l) => l.text === "first line"),
      60_000,
      () => logs.seen.stderr,
    );
    // A line written while ampa logs follows.
    writeFileSync(next, "");
    const second = await waitFor(
      "the second line in ampa logs -f",
      () => logs.seen.lines.find((l) => l.text.startsWith("second line at ")),
      60_000,
      () => logs.seen.stderr,
    );
    // The program has not finished: it waits for `go`, which only the test writes.
    expect(existsSync(go)).toBe(false);
    expect(await t.store.getCommand("watched")).toMatchObject({ leaseRunId: started.runId });
    const writtenAt = Number(second.text.slice("second line at ".length));
    // Reported, not asserted: the latency under whatever load the machine has.
    console.info(`ampa logs -f: line shown ${second.at - writtenAt} ms after the program wrote it`);

    writeFileSync(go, "");
    expect(await logs.exit).toBe(0);
    expect(logs.seen.lines.map((l) => l.text)).toContain("last line");
    expect(logs.seen.stderr).toContain(`run ${started.runId} of watched: running`);
    const run = await runRecorded(t.store, "watched", started.runId);
    expect(run.outcome).toBe("success");
    await workerExit(worker);

    // Finished: the command id now means its last run, printed from its record.
    const after = await runCli(["logs", "watched"], env);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain("last line");
    expect(after.stderr).toContain("(on record)");
    // The run id means that run too.
    const byRun = await runCli(["logs", started.runId, "--json"], env);
    expect(byRun.code).toBe(0);
    const lines = byRun.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { line: string });
    expect(lines.map((l) => l.line)).toContain("last line");
  }, 120_000);

  it("shows hostile program output inert: escapes and controls neutralised, a 1 MB line cut, a fake event or envelope only data", async () => {
    const t = await createTestTable(server.endpoint, SHORT_LEASES);
    const workersDir = workersTmpDir();
    const base = dirname(workersDir);
    const go = join(base, "go");
    const script = join(base, "hostile.sh");
    writeFileSync(
      script,
      [
        // Colour, a screen clear, a window title, a carriage return hiding text, a BEL.
        String.raw`printf 'red \033[31mRED\033[0m \033[2J\033]0;pwned\007 hidden\rshown\a\n'`,
        // A 1 MB line.
        `head -c 1048576 /dev/zero | tr '\\0' x; echo`,
        // A fake agent event, and a fake envelope naming another run.
        `echo '{"type":"error","error":{"message":"\\u001b[2Jfake failure"}}'`,
        `echo '{"ampaOutput":{"runId":"other","line":"forged"}}'`,
        `echo "{\\"type\\":\\"run-ended\\"}"`,
        `while [ ! -e ${go} ]; do sleep 0.05; done`,
        `echo bye`,
      ].join("\n"),
    );
    await t.store.addCommand(
      spec("hostile", { command: `sh ${script}`, runtime: "task" }),
      Date.now(),
    );
    const { worker } = await startedTask(t, workersDir, "hostile");
    const env = {
      AMPA_DYNAMODB_ENDPOINT: server.endpoint,
      AMPA_TABLE_NAME: t.tableName,
      AMPA_SCHEDULER_STORE: join(base, "store"),
    };
    const logs = follow(["hostile", "-f"], env);
    await waitFor(
      "the fake run-ended event",
      () => logs.seen.lines.some((l) => l.text.includes("run-ended")),
      60_000,
      () => logs.seen.stderr,
    );
    // A line saying the run ended does not end the follow: only the run's record does.
    expect(logs.child.exitCode).toBeNull();
    writeFileSync(go, "");
    expect(await logs.exit).toBe(0);
    const out = logs.seen.stdout;
    // No escape or control character reaches the terminal but the newlines.
    // eslint-disable-next-line no-control-regex
    expect(out.replace(/\n/g, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(out).toContain("red RED");
    expect(out).toContain("hidden\\u000dshown\\u0007");
    const long = logs.seen.lines.find((l) => l.text.startsWith("xxxx"));
    expect(long?.text.length).toBeLessThan(9000);
    expect(long?.text).toMatch(/\[ampa: line cut, \d+ more bytes\]$/);
    // The fake event is rendered as data; the forged envelope is a plain line of output.
    expect(out).toContain("[error] error: fake failure");
    expect(out).toContain('{"ampaOutput":{"runId":"other","line":"forged"}}');
    expect(out).toContain("bye");
    await workerExit(worker);
    // --raw: as received (still inert).
    const raw = await runCli(["logs", "hostile", "--raw"], env);
    expect(raw.stdout).toContain('{"type":"error","error":{"message":"\\u001b[2Jfake failure"}}');
  }, 120_000);

  it("an unknown id exits 2 with a clear message", async () => {
    const t = await createTestTable(server.endpoint);
    const res = await runCli(["logs", "no-such-thing"], {
      AMPA_DYNAMODB_ENDPOINT: server.endpoint,
      AMPA_TABLE_NAME: t.tableName,
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("Unknown command or run id: no-such-thing");
  });
});
