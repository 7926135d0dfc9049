import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { runCli } from "../support/cli.js";
import { command } from "../support/commands.js";
import { HOUR, seededRun } from "../support/dashboard.js";
import { pythonStore } from "../support/python-store.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";

let server: EmbeddedStore;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), "ampa-cli-tools-"));
});
afterAll(async () => {
  await server.close();
});

async function table(): Promise<{ t: TestTable; env: Record<string, string> }> {
  const t = await createTestTable(server.endpoint);
  return { t, env: { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: t.tableName } };
}

async function items(t: TestTable) {
  const { Items } = await t.doc.send(new ScanCommand({ TableName: t.tableName }));
  return (Items ?? []).sort((a, b) => `${a.pk}/${a.sk}`.localeCompare(`${b.pk}/${b.sk}`));
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

describe("ampa import / export / status", () => {
  it("rejects an invalid store file listing every bad entry, exit 2, writing nothing", async () => {
    const { t, env } = await table();
    const store = pythonStore();
    (store.commands["wl-stats"] as Record<string, unknown>).frequency_minutes = 0;
    (store.state.stuck as Record<string, unknown>).last_start_ts = "2026-02-05 08:15";
    const result = await runCli(["import", file("invalid.json", store)], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      [
        "invalid.json is not a valid AMPA store; nothing was imported:",
        "  commands.wl-stats.frequency_minutes: must be a positive integer",
        "  state.stuck.last_start_ts: must be an ISO 8601 time with an offset or Z",
        "",
      ].join("\n"),
    );
    expect(await items(t)).toEqual([]);
  });

  it("imports (dry run first), shows status, and exports what it imported", async () => {
    const { t, env } = await table();
    const input = file("store.json", pythonStore());

    const dry = await runCli(["import", input, "--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("nothing was written");
    expect(dry.stdout).toContain("Commands: 5 new, 0 updated, 0 unchanged.");
    expect(await items(t)).toEqual([]);

    const done = await runCli(["import", input], env);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(
      "Runs: 56 written, 0 unchanged, 10 older than the newest 50 not imported",
    );
    expect(done.stdout).toMatch(
      /stuck +new +2 runs +last start 2026-02-05T08:15:00.000Z \(abandoned\)/,
    );
    expect(done.stdout).toContain(
      "state.stuck.running: true, but the Python daemon is not running it",
    );

    const again = await runCli(["import", input], env);
    expect(again.stdout).toContain("Commands: 0 new, 0 updated, 5 unchanged.");

    const status = JSON.parse((await runCli(["status", "--json"], env)).stdout);
    // Every imported command is overdue and none has a place in the fair queue yet: the
    // earliest due time goes first (the scheduling rule's tie-break), then priority.
    expect(status.commands.map((c: { id: string }) => c.id)).toEqual([
      "delegation",
      "wl-triage-audit",
      "heartbeat",
      "stuck",
      "wl-stats",
    ]);
    expect(status.commands.find((c: { id: string }) => c.id === "stuck")).toMatchObject({
      lastOutcome: "abandoned",
      lease: null,
      state: "due",
    });
    const text = await runCli(["status"], env);
    expect(text.stdout.split("\n").every((line) => line.length <= 80)).toBe(true);
    expect(text.stdout).toMatch(/^wl-triage-audit +triage +2m +3 due/m);

    const out = join(dir, "export.json");
    const exported = await runCli(["export", "--out", out], env);
    expect(exported).toMatchObject({ code: 0, stderr: `Exported 5 commands to ${out}\n` });
    const written = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(written)).toEqual(["commands", "last_global_start_ts", "state"]);
    expect(written.state["wl-stats"].run_history).toHaveLength(50);
    expect((await runCli(["export"], env)).stdout).toBe(readFileSync(out, "utf8"));
  });

  it("sums what each command's runs on record used, per agent, in status and its JSON", async () => {
    const { t, env } = await table();
    const now = Date.now();
    const usage = (agent: string, inputTokens: number, outputTokens: number, costUsd?: number) => ({
      agent,
      inputTokens,
      outputTokens,
      ...(costUsd === undefined ? {} : { costUsd }),
    });
    const runs = [
      seededRun("delegate", now, 3 * HOUR, { agentUsage: [usage("claude", 40_000, 2000, 0.5)] }),
      seededRun("delegate", now, 2 * HOUR, {
        agentUsage: [usage("claude", 10_000, 1000, 0.25), usage("codex", 700, 30)],
        compute: { vcpuSeconds: 3600, gbSeconds: 7200 },
      }),
      seededRun("delegate", now, HOUR),
      seededRun("date", now, HOUR),
    ];
    for (const run of runs) await t.store.putRunRecord(run);
    for (const id of ["delegate", "date"])
      await t.store.putCommandWithState(command(id, { lastStartAt: now - HOUR }));
    const withHistory = { ...env, AMPA_SCHEDULER_MAX_RUN_HISTORY: "20" };

    const json = await runCli(["status", "--json"], withHistory);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).usage).toEqual({
      note: "sums over the runs on record (the newest 20 of each command); the /metrics counters count since the metrics began",
      maxRunsPerCommand: 20,
      commands: [
        {
          id: "delegate",
          runs: 3,
          agents: [
            { agent: "claude", runs: 2, inputTokens: 50_000, outputTokens: 3000, costUsd: 0.75 },
            { agent: "codex", runs: 1, inputTokens: 700, outputTokens: 30, costUsd: null },
          ],
          compute: { runs: 1, vcpuSeconds: 3600, gbSeconds: 7200 },
        },
      ],
    });
    const text = await runCli(["status"], withHistory);
    const lines = text.stdout.trimEnd().split("\n");
    expect(
      lines.slice(lines.indexOf("the /metrics counters count since the metrics began):") + 1),
    ).toEqual([
      "  delegate claude: 2 of 3 runs, 50.0k tokens in, 3.0k out, $0.7500",
      "  delegate codex: 1 of 3 runs, 700 tokens in, 30 out, no cost reported",
      "  delegate task compute: 1 of 3 runs, 1.00 vCPU-hours, 2.00 GB-hours",
    ]);
    expect(lines.every((line) => line.length <= 80)).toBe(true);
  });

  it("says which file it cannot read", async () => {
    const { env } = await table();
    const result = await runCli(["import", join(dir, "missing.json")], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Cannot read store file ${join(dir, "missing.json")}`);
  });
});

describe("ampa simulate", () => {
  it("prints runs, share and start-to-start intervals per command", async () => {
    const workload = file("f1.json", [
      { id: "two", frequency_minutes: 2, priority: 0 },
      { id: "five", frequency_minutes: 5, priority: 0 },
    ]);
    const result = await runCli(["simulate", "--workload", workload, "--duration", "1800"], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "Simulated 30m: 30 ticks of 1m, global minimum 1m, priority weight 0.1.",
    );
    expect(result.stdout).toMatch(/^two +120\.0s +0 +15 /m);
    expect(result.stdout.split("\n").every((line) => line.length <= 80)).toBe(true);

    const json = JSON.parse(
      (
        await runCli(
          [
            "simulate",
            "--workload",
            workload,
            "--duration",
            "600",
            "--tick",
            "10",
            "--global-min-interval",
            "10",
            "--weight",
            "0",
            "--json",
          ],
          {},
        )
      ).stdout,
    );
    expect(json).toMatchObject({
      tickSeconds: 10,
      globalMinIntervalSeconds: 10,
      priorityWeight: 0,
      ticks: 60,
    });
    expect(json.commands[0]).toMatchObject({
      id: "two",
      desiredIntervalSeconds: 120,
      runs: 5,
      meanIntervalSeconds: 120,
    });
  });

  it("rejects bad options and workloads with exit 2", async () => {
    const workload = file("w.json", [{ id: "a", frequency_minutes: 1, priority: 0 }]);
    const cases: [string[], string][] = [
      [
        ["simulate", "--workload", workload, "--duration", "0"],
        'Invalid --duration "0": must be a number of seconds above 0',
      ],
      [
        ["simulate", "--workload", workload, "--duration", "60", "--tick", "x"],
        'Invalid --tick "x"',
      ],
      [
        ["simulate", "--workload", workload, "--duration", "60", "--weight", "-1"],
        'Invalid --weight "-1"',
      ],
      [
        [
          "simulate",
          "--workload",
          file("bad.json", [{ id: "a", frequency_minutes: 0, priority: 0 }]),
          "--duration",
          "60",
        ],
        "[0].frequency_minutes: must be a positive integer",
      ],
      [["simulate", "--duration", "60"], "required option '--workload <file>' not specified"],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, {})));
    results.forEach((result, i) => {
      const [args, message] = cases[i] ?? [[], ""];
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    });
  });
});
