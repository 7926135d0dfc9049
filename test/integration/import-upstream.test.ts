import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { runCli } from "../support/cli.js";
import { createTestTable, startTestServer } from "../support/store.js";

/** `ampa import` of a store in upstream's newest shape (our own fixture) succeeds. */

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("ampa import of upstream's newest store", () => {
  it("imports every command, the unsupported ones paused, and says why", async () => {
    const t = await createTestTable(server.endpoint);
    const env = { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: t.tableName };
    const cmd = (id: string, type: string, extra: Record<string, unknown> = {}) => ({
      id,
      command: "true",
      frequency_minutes: 60,
      priority: 0,
      requires_llm: false,
      max_runtime_minutes: 10,
      metadata: {},
      type,
      ...extra,
    });
    const file = join(mkdtempSync(join(tmpdir(), "ampa-upstream-")), "scheduler_store.json");
    writeFileSync(
      file,
      JSON.stringify({
        commands: {
          "wl-audit": cmd("wl-audit", "audit", { agent: "Casey" }),
          "pr-monitor": cmd("pr-monitor", "pr-monitor", { metadata: { dedup: true, max_prs: 50 } }),
          "auto-delegate": cmd("auto-delegate", "auto-delegate"),
          "test-runner": cmd("test-runner", "test-runner"),
        },
        state: {},
        last_global_start_ts: "2026-02-05T07:51:52.053932+00:00",
        dispatches: {},
      }),
    );
    const imported = await runCli(["import", file, "--json"], env);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const summary = JSON.parse(imported.stdout) as { warnings: string[] };
    expect(summary.warnings).toContain(
      "dispatches: 0 upstream dispatch record(s) not imported: a log of past dispatches, not claims",
    );
    const list = JSON.parse((await runCli(["list", "--json"], env)).stdout) as {
      id: string;
      type: string;
      paused: boolean;
    }[];
    expect(list.map(({ id, type, paused }) => ({ id, type, paused }))).toEqual([
      { id: "auto-delegate", type: "delegation", paused: true },
      { id: "pr-monitor", type: "pr-monitor", paused: false },
      { id: "test-runner", type: "shell", paused: true },
      { id: "wl-audit", type: "review-audit", paused: false },
    ]);
  });
});
