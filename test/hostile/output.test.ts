import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { runCli } from "../support/cli.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { type FakeWebhook, startFakeWebhook } from "../support/webhook-server.js";
import { cliEnv, PLAIN_PATH, rawItems } from "./hostile.js";

/**
 * A command that prints 10 MB: the run is recorded within DynamoDB's 400 KB item limit,
 * the Discord post within 2,000 characters, and the runner's memory stays bounded
 * however much a command prints.
 */

const MB = 1024 * 1024;
const ITEM_LIMIT = 400 * 1024;
const MAX_OUTPUT_BYTES = 262_144;

let server: EmbeddedStore;
let webhook: FakeWebhook;
let t: TestTable;

beforeAll(async () => {
  server = await startTestServer();
  webhook = await startFakeWebhook();
  t = await createTestTable(server.endpoint);
});
afterAll(async () => {
  await webhook.close();
  await server.close();
});

/** Bytes of an item as DynamoDB counts them, near enough: names plus values as JSON. */
const itemBytes = (item: unknown) => Buffer.byteLength(JSON.stringify(item));

describe("a command that prints 10 MB", () => {
  it("is recorded within the item limit and posted within 2,000 characters", async () => {
    const env = {
      ...cliEnv(server.endpoint, t),
      AMPA_DISCORD_WEBHOOK: webhook.url,
      // No opencode on PATH: the post is the output cut, not a summary.
      PATH: PLAIN_PATH,
    };
    const command = `yes 'ünïcödé 👋 @everyone line' | head -c ${10 * MB}`;
    expect((await runCli(["add", "loud", command, "1", "0", "--title", "Loud"], env)).code).toBe(0);
    const result = await runCli(["run-once", "loud"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Run-once complete for loud exit=0\n$/);
    expect(Buffer.byteLength(result.stdout)).toBeLessThan(MAX_OUTPUT_BYTES + 100);

    const [run] = await t.store.listRuns("loud");
    const stored = Buffer.byteLength(run?.output ?? "");
    expect(stored).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    expect(run?.outputTruncatedBytes).toBeGreaterThan(10 * MB - MAX_OUTPUT_BYTES - 100);
    expect(run?.output).toMatch(/^ünïcödé 👋 @everyone line\n/);
    expect(run?.output).toMatch(/… \[\d+ bytes of output dropped\] …/);
    for (const item of await rawItems(t)) expect(itemBytes(item)).toBeLessThan(ITEM_LIMIT);

    expect(webhook.requests).toHaveLength(1);
    const payload = JSON.parse(webhook.requests[0]?.body ?? "{}");
    expect(payload.allowed_mentions).toEqual({ parse: [] });
    expect(payload.content.length).toBeLessThanOrEqual(2000);
    expect(payload.content).toMatch(/^# Loud\n\nünïcödé 👋 @everyone line\n/);
    expect(payload.content).toContain("… (output truncated)");
    console.log(
      `[hostile] 10 MB output: ${stored} bytes stored (${run?.outputTruncatedBytes} dropped), ` +
        `largest item ${Math.max(...(await rawItems(t)).map(itemBytes))} bytes, ` +
        `${payload.content.length} characters posted`,
    );
  });
});

const WORKER = resolve(import.meta.dirname, "output-worker.ts");

interface WorkerReport {
  exitCode: number;
  keptBytes: number;
  droppedBytes: number;
  peakRssBytes: number;
}

/** Runs the shell runner in a fresh process on a command printing `bytes`. */
function measure(bytes: number): Promise<WorkerReport> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", WORKER, String(bytes), String(MAX_OUTPUT_BYTES)],
      { timeout: 120_000 },
      (error, stdout) =>
        error ? reject(error) : resolvePromise(JSON.parse(stdout) as WorkerReport),
    );
  });
}

describe("memory of the shell runner", () => {
  it("stays bounded: 100 MB of output costs far less than 100 MB more than 1 KB does", async () => {
    const small = await measure(1024);
    const ten = await measure(10 * MB);
    const hundred = await measure(100 * MB);
    for (const [bytes, report] of [
      [10 * MB, ten],
      [100 * MB, hundred],
    ] as const) {
      expect(report.exitCode).toBe(0);
      expect(report.keptBytes).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
      expect(report.keptBytes + report.droppedBytes).toBeGreaterThanOrEqual(bytes - 100);
    }
    expect(hundred.peakRssBytes - small.peakRssBytes).toBeLessThan(64 * MB);
    const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;
    console.log(
      `[hostile] peak RSS of the runner process: 1 KB output ${mb(small.peakRssBytes)}, ` +
        `10 MB ${mb(ten.peakRssBytes)}, 100 MB ${mb(hundred.peakRssBytes)}`,
    );
  });
});
