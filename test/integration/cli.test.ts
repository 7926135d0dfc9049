import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { refusedUrl, startFakeWebhook } from "../support/webhook-server.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";

let server: EmbeddedStore;
let t: TestTable;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  t = await createTestTable(server.endpoint);
  env = { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: t.tableName };
});
afterAll(async () => {
  await server.close();
});

async function tableItems() {
  const { Items } = await t.doc.send(new ScanCommand({ TableName: t.tableName }));
  return (Items ?? []).sort((a, b) => `${a.pk}/${a.sk}`.localeCompare(`${b.pk}/${b.sk}`));
}

describe("ampa CLI", () => {
  it("adds, lists, pauses, resumes, updates and removes a command", async () => {
    expect(
      await runCli(
        ["add", "hello", "echo hello", "5", "2", "--title", "Hello", "--metadata", '{"a":1}'],
        env,
      ),
    ).toMatchObject({
      code: 0,
      stdout: "Added hello\n",
    });
    expect((await runCli(["pause", "hello"], env)).code).toBe(0);
    const listed = JSON.parse((await runCli(["list", "--json"], env)).stdout);
    expect(listed).toMatchObject([
      {
        id: "hello",
        command: "echo hello",
        frequencyMinutes: 5,
        priority: 2,
        title: "Hello",
        paused: true,
        metadata: { a: 1 },
      },
    ]);
    expect((await runCli(["resume", "hello"], env)).code).toBe(0);
    expect((await runCli(["update", "hello", "echo bye", "10", "1"], env)).code).toBe(0);
    const updated = JSON.parse((await runCli(["list", "--json"], env)).stdout);
    expect(updated).toMatchObject([
      { id: "hello", command: "echo bye", frequencyMinutes: 10, paused: false, title: null },
    ]);
    const table = await runCli(["list"], env);
    expect(table.stdout.split("\n").every((line) => line.length <= 80)).toBe(true);
    expect(table.stdout).toContain("hello");
    expect(await runCli(["remove", "hello"], env)).toMatchObject({
      code: 0,
      stdout: "Removed hello\n",
    });
    expect(await tableItems()).toEqual([]);
  });

  it("run-once prints the output and exits with the command's exit code", async () => {
    await addAsCli(t.store, ["fail7", "echo about to fail; exit 7", "1", "0"]);
    const result = await runCli(["run-once", "fail7"], env);
    expect(result.code).toBe(7);
    expect(result.stdout).toBe("about to fail\nRun-once complete for fail7 exit=7\n");
    const listed = JSON.parse((await runCli(["list", "--json"], env)).stdout);
    expect(listed.find((c: { id: string }) => c.id === "fail7")).toMatchObject({
      lastExitCode: 7,
      lastOutcome: "failure",
    });
    await runCli(["remove", "fail7"], env);
  });

  it("rejects invalid input with a clear message, exit code 2, and writes nothing", async () => {
    await addAsCli(t.store, ["exists", "true", "1", "0"]);
    const before = await tableItems();
    const cases: [string[], string][] = [
      [
        ["add", "f0", "true", "0", "1"],
        'Invalid frequency_minutes "0": must be a positive integer',
      ],
      [
        ["add", "f-1", "true", "-1", "1"],
        'Invalid frequency_minutes "-1": must be a positive integer',
      ],
      [
        ["add", "f1.5", "true", "1.5", "1"],
        'Invalid frequency_minutes "1.5": must be a positive integer',
      ],
      [
        ["add", "m", "true", "1", "1", "--metadata", "[1,2]"],
        "Invalid --metadata: must be a JSON object",
      ],
      [["add", "m", "true", "1", "1", "--metadata", "{nope"], "Invalid --metadata: not valid JSON"],
      [["add", "t", "true", "1", "1", "--type", "cron"], "argument 'cron' is invalid"],
      [["add", "exists", "true", "1", "0"], "Command id already exists: exists"],
      [["add", "bad/id", "true", "1", "0"], "Invalid id: must be 1-128 characters"],
      [["add", "p", "true", "1", "high"], 'Invalid priority "high"'],
      [["update", "missing", "true", "1", "0"], "Unknown command id: missing"],
      [["remove", "missing"], "Unknown command id: missing"],
      [["pause", "missing"], "Unknown command id: missing"],
      [["run-once", "missing"], "Unknown command id: missing"],
      [["add", "few"], "error: missing required argument"],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] ?? [[], ""];
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    });
    expect(await tableItems()).toEqual(before);
  });

  it("refuses an agent on a type that runs none, naming the type and those that take one, and writes nothing", async () => {
    await addAsCli(t.store, ["planner", "", "60", "1"], { type: "delegation", agent: "claude" });
    const before = await tableItems();
    const takers = "the types that take one: delegation, triage-audit, review-audit";
    const cases: [string[], string][] = [
      [
        ["add", "a1", "echo hi", "5", "1", "--agent", "claude"],
        `Invalid --agent: type shell runs no agent; ${takers}`,
      ],
      [
        ["add", "a2", "", "5", "1", "--type", "heartbeat", "--agent", "pi"],
        `Invalid --agent: type heartbeat runs no agent; ${takers}`,
      ],
      [
        ["add", "a3", "echo hi", "5", "1", "--metadata", '{"agent":"codex"}'],
        `Invalid --metadata: type shell runs no agent; ${takers}`,
      ],
      // The delegation may not become a shell command that keeps its agent.
      [
        ["update", "planner", "echo hi", "60", "1", "--type", "shell", "--agent", "claude"],
        `Invalid --agent: type shell runs no agent; ${takers}`,
      ],
      [
        ["update", "planner", "", "60", "1", "--type", "delegation", "--agent", "Casey"],
        'Invalid --agent: agent "Casey": must be one of opencode, pi, claude, codex, gemini',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] ?? [[], ""];
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    });
    expect(await tableItems()).toEqual(before);
    const listed = JSON.parse((await runCli(["list", "--json"], env)).stdout) as {
      id: string;
      metadata: Record<string, unknown>;
    }[];
    expect(listed.find((c) => c.id === "planner")?.metadata).toEqual({ agent: "claude" });
    await runCli(["remove", "planner"], env);
  });

  it("heartbeat exits 3 (not configured) with a clear message when no webhook is configured", async () => {
    const result = await runCli(["heartbeat"], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("No Discord webhook configured");
  });

  it("lists dead letters and redrives them to the webhook, deleting each delivered one", async () => {
    const webhook = await startFakeWebhook();
    const own = await createTestTable(server.endpoint);
    const env = { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: own.tableName };
    try {
      // Without a webhook, a run's result becomes a dead letter.
      await addAsCli(own.store, ["dl", "echo kept for later", "1", "0"], { title: "Kept" });
      await runCli(["run-once", "dl"], env);
      const listed = await runCli(["deadletters", "list"], env);
      expect(listed.stdout).toContain("# Kept");
      expect(listed.stdout).toContain("no Discord webhook configured");
      const redriven = await runCli(["deadletters", "redrive"], {
        ...env,
        AMPA_DISCORD_WEBHOOK: webhook.url,
      });
      expect(redriven.code).toBe(0);
      expect(redriven.stdout).toContain("1 delivered, 0 failed");
      expect(`${redriven.stdout}${redriven.stderr}`).not.toContain(webhook.token);
      expect(webhook.requests.map((r) => JSON.parse(r.body).content)).toEqual([
        "# Kept\n\nkept for later",
      ]);
      expect((await runCli(["deadletters", "list", "--json"], env)).stdout.trim()).toBe("[]");
    } finally {
      await webhook.close();
    }
  });

  it("opens the local store directory itself when no stack is running, one process at a time", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ampa-local-")), "data");
    const local = { AMPA_SCHEDULER_STORE: dir, AMPA_DYNAMODB_ENDPOINT: "" };
    // Started together, they race for the lock: each must wait its turn, none give up.
    const ids = ["a", "b", "c", "d", "e", "f"];
    const adds = await Promise.all(ids.map((id) => runCli(["add", id, "true", "1", "0"], local)));
    expect(adds.map((r) => [r.code, r.stderr])).toEqual(ids.map(() => [0, ""]));
    const listed = JSON.parse((await runCli(["list", "--json"], local)).stdout);
    expect(listed.map((c: { id: string }) => c.id)).toEqual(ids);
  });

  it("says the store is unreachable, naming table and endpoint, and exits 1", async () => {
    const refused = new URL(await refusedUrl()).origin;
    const result = await runCli(["list"], { ...env, AMPA_DYNAMODB_ENDPOINT: refused });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `The DynamoDB store is unreachable (table ${t.tableName} at ${refused}): connect ECONNREFUSED ${new URL(refused).host}\n`,
    );
  });
});
