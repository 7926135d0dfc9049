import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { runCli } from "../support/cli.js";
import { argvOf, createDoubles, delegable, pwnedFiles, workItem } from "../support/doubles.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { startFakeWebhook } from "../support/webhook-server.js";

let server: EmbeddedStore;
let storeEnv: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  const t = await createTestTable(server.endpoint);
  storeEnv = { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: t.tableName };
});
afterAll(async () => {
  await server.close();
});

const busyItems = [
  workItem({ id: "SA-0MWTTBZRM0A8CEMM", title: "Epic parent", status: "in-progress" }),
  workItem({
    id: "SA-0MWTTBZVI1HLLL0Q",
    title: "Child A",
    status: "in-progress",
    parentId: "SA-0MWTTBZRM0A8CEMM",
  }),
  workItem({ id: "SA-0MWTTBZVI1HLLL0R", title: "Waiting" }),
];

describe("ampa delegation", () => {
  it("prints the busy line per in-progress item, the tree from parentId, and dispatches nothing", async () => {
    const d = createDoubles({ wl: { items: busyItems } });
    const result = await runCli(["delegation"], { ...storeEnv, ...d.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "Agents are currently busy with:",
        "── Epic parent - SA-0MWTTBZRM0A8CEMM",
        "   ── Child A - SA-0MWTTBZVI1HLLL0Q",
        "",
        "Delegation: skipped (in_progress items)",
        "",
      ].join("\n"),
    );
    expect(d.calls().map((c) => c.program)).not.toContain("opencode");
    // JSON only: the human tree prints titles raw.
    expect(d.calls().map((c) => c.argv)).not.toContainEqual(["in_progress"]);
  });

  it("a title with a newline and tree characters cannot forge a busy entry", async () => {
    const title = "Real work\n└── Injected - NL-FAKE";
    const d = createDoubles({
      wl: { items: [workItem({ id: "SA-1", title, status: "in-progress", stage: "in_progress" })] },
    });
    const result = await runCli(["delegation"], { ...storeEnv, ...d.env });
    expect(result.stdout.split("\n").slice(0, 3)).toEqual([
      "Agents are currently busy with:",
      "── Real work └── Injected - NL-FAKE - SA-1",
      "",
    ]);
  });

  it("prints the full report with candidates and dispatches the top one when idle", async () => {
    const d = createDoubles({
      wl: {
        items: [
          delegable({ id: "SA-42", title: "Fix login", priority: "high" }),
          delegable({ id: "SA-43", title: "Tidy docs", priority: "low" }),
        ],
      },
    });
    const result = await runCli(["delegation"], { ...storeEnv, ...d.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      [
        "AMPA Delegation",
        "In-progress items:",
        "- (none)",
        "Candidates:",
        "- Fix login - SA-42 (status: open, priority: high)",
        "- Tidy docs - SA-43 (status: open, priority: low)",
        "Top candidate:",
        "- Fix login - SA-42 (status: open, priority: high)",
        "Rationale: the first candidate that passes every delegation check, in wl next's order (by sortIndex, not by priority); wl says: Next open item by sort_index (priority high)",
      ].join("\n"),
    );
    expect(result.stdout).toContain("Starting work on\n\n# Fix login - SA-42");
    expect(result.stdout).toContain("Delegation: dispatched intake SA-42");
    expect(d.calls().filter((c) => c.program === "opencode")).toEqual([
      {
        program: "opencode",
        argv: ["run", "--format", "json", expect.stringMatching(/^\/intake SA-42 /)],
        cwd: d.dir,
      },
    ]);
  });

  it("dispatches to the stage's default agent (AMPA_DEFAULT_AGENT), as a command naming none does", async () => {
    // Not SA-42: the table is the file's, and an earlier test's agent left SA-42 unmoved.
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-46", title: "Fix logout" })] },
      claude: { default: { stdout: "Intake done." } },
    });
    const result = await runCli(["delegation"], {
      ...storeEnv,
      ...d.env,
      AMPA_DEFAULT_AGENT: "claude",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Delegation: dispatched intake SA-46");
    expect(result.stdout).toContain("Agent said:\n\nIntake done.");
    expect(argvOf(d, "claude")).toEqual([
      [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--",
        expect.stringMatching(/^\/intake SA-46 /),
      ],
    ]);
    expect(argvOf(d, "opencode")).toEqual([]);
  });

  it("--dry-run prints the report only", async () => {
    // Not SA-42: the table is the file's, and an earlier test's agent left SA-42 unmoved.
    const d = createDoubles({ wl: { items: [delegable({ id: "SA-44", title: "Fix login" })] } });
    const result = await runCli(["delegation", "--dry-run"], { ...storeEnv, ...d.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Top candidate:\n- Fix login - SA-44");
    expect(result.stdout).not.toContain("Delegation:");
    // Reads only (`list --assignee` too when an earlier test left a claim in this table).
    const verbs = new Set(d.calls().map((c) => `${c.program} ${c.argv[0]}`));
    expect([...verbs].sort()).toEqual(["wl dep", "wl in_progress", "wl list", "wl next"]);
  });

  it("says delegation is idle when there is nothing to do", async () => {
    const d = createDoubles({ wl: { items: [] } });
    const result = await runCli(["delegation"], { ...storeEnv, ...d.env });
    expect(result.stdout).toContain(
      "Top candidate:\n- (none)\nSummary: delegation is idle (no in-progress items or candidates).",
    );
    expect(result.stdout).toContain("Delegation: skipped (no candidates)");
  });

  it("--discord posts the report once as Delegation Report", async () => {
    const webhook = await startFakeWebhook();
    try {
      const d = createDoubles({ wl: { items: busyItems } });
      const result = await runCli(["delegation", "--discord"], {
        ...storeEnv,
        ...d.env,
        AMPA_DISCORD_WEBHOOK: webhook.url,
      });
      expect(result.code).toBe(0);
      expect(webhook.requests.map((r) => JSON.parse(r.body).content)).toEqual([
        [
          "# Delegation Report",
          "",
          "Agents are currently busy with:",
          "── Epic parent - SA-0MWTTBZRM0A8CEMM",
          "   ── Child A - SA-0MWTTBZVI1HLLL0Q",
          "",
          "Delegation: skipped (in_progress items)",
        ].join("\n"),
      ]);
    } finally {
      await webhook.close();
    }
  });

  it("--discord exits 3 (not configured) without a webhook and runs nothing", async () => {
    const d = createDoubles({ wl: { items: [] } });
    const result = await runCli(["delegation", "--discord"], { ...storeEnv, ...d.env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("No Discord webhook configured");
    expect(d.calls()).toEqual([]);
  });

  it("exits 1 with a clear message when wl is missing from PATH", async () => {
    const d = createDoubles({}, { omit: ["wl"] });
    const result = await runCli(["delegation"], { ...storeEnv, ...d.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Delegation report unavailable: wl is not on PATH");
  });

  it("exits 1 when wl hangs past AMPA_WL_TIMEOUT_SECONDS", async () => {
    const d = createDoubles({
      wl: { overrides: { "in_progress --json": { sleepMs: 20_000 } } },
    });
    const result = await runCli(["delegation"], {
      ...storeEnv,
      ...d.env,
      AMPA_WL_TIMEOUT_SECONDS: "0.5",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("wl in_progress timed out after 500 ms");
  });

  it("never lets an id or title from wl reach a shell", async () => {
    const d = createDoubles({
      wl: {
        items: [
          workItem({ id: 'SA-1"; touch PWNED; echo "', title: "$(touch PWNED)" }),
          workItem({ id: "$(touch PWNED)", title: "`touch PWNED`" }),
        ],
      },
    });
    const result = await runCli(["delegation"], { ...storeEnv, ...d.env });
    expect(result.stdout).toContain('- $(touch PWNED) - SA-1"; touch PWNED; echo "');
    expect(result.stdout).toContain("Delegation: skipped (no candidate passes the checks: ");
    expect(result.stdout).toContain("id (malformed work item id");
    expect(pwnedFiles(d)).toEqual([]);
    const verbs = new Set(d.calls().map((c) => `${c.program} ${c.argv[0]}`));
    expect([...verbs].sort()).toEqual(["wl in_progress", "wl list", "wl next"]);
  });
});
