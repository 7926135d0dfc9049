import { execFile } from "node:child_process";
import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { resolve } from "node:path";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { ensureTable } from "../../src/lib/adapters/dynamodb/table.js";
import type { Command } from "../../src/lib/core/command.js";
import { bulkLoad } from "../../src/lib/local/bulk-load.js";
import { startEmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { bytes, fmt, log } from "./format.js";

/**
 * `--only bounded` (issue 19, bounded by design): a store of 5,000 commands of 200 KB
 * each (1 GB, in an in-memory dynalite in this process: 1 GB of disk for LevelDB would
 * only be slower), and one tick against it in a fresh process per mode, reading whole
 * items (before) or the scheduling attributes only (after). Bytes read are counted on
 * the wire by a TCP proxy in front of the store.
 */

export const BOUNDED = { commands: 5_000, commandBytes: 200_000, tickMemoryBytes: 512 * 2 ** 20 };

export interface BoundedTick {
  mode: "full" | "projected";
  kind: string;
  ms: number;
  rssPeak: number;
  heapPeak: number;
  bytesRead: number;
}

/**
 * A TCP proxy counting the bytes the store answers. It rewrites each request's Host to the
 * store's own, which the store requires (local/store-guard.ts).
 */
async function countingProxy(upstream: string) {
  const { hostname, port } = new URL(upstream);
  let ownHost = /$^/;
  let answered = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const remote = connect(Number(port), hostname);
    for (const s of [client, remote]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.on("data", (chunk: Buffer) =>
      remote.write(
        Buffer.from(
          chunk.toString("latin1").replace(ownHost, `\r\nhost: ${hostname}:${port}\r\n`),
          "latin1",
        ),
      ),
    );
    remote.on("data", (chunk: Buffer) => {
      answered += chunk.length;
      client.write(chunk);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const own = (server.address() as AddressInfo).port;
  ownHost = new RegExp(`\r\nhost: 127\\.0\\.0\\.1:${own}\r\n`, "i");
  return {
    endpoint: `http://127.0.0.1:${own}`,
    answered: () => answered,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function seed(endpoint: string, key: string | undefined, table: string): Promise<void> {
  const dynamo = createDynamoClient({ region: "us-east-1", endpoint, key });
  await ensureTable(dynamo, table);
  const doc = createDocumentClient(dynamo);
  const blob = "x".repeat(BOUNDED.commandBytes);
  for (let i = 0; i < BOUNDED.commands; i += 100) {
    const commands: Command[] = Array.from({ length: 100 }, (_, j) => ({
      id: `c${String(i + j).padStart(5, "0")}`,
      command: "true",
      type: "shell",
      frequencyMinutes: 60,
      priority: 0,
      requiresLlm: false,
      metadata: { blob },
      maxRuntimeMinutes: null,
      paused: false,
      lastStartAt: 0,
      dueAt: 0,
    }));
    await bulkLoad(doc, table, { commands });
    if ((i + 100) % 1_000 === 0) log(`bounded: seeded ${i + 100} commands`);
  }
}

export async function bounded(): Promise<BoundedTick[]> {
  const store = await startEmbeddedStore();
  const proxy = await countingProxy(store.endpoint);
  const table = "ampa-bench-bounded";
  try {
    await seed(store.endpoint, store.key, table);
    const script = resolve(import.meta.dirname, "bounded-tick.ts");
    const results: BoundedTick[] = [];
    for (const mode of ["full", "projected"] as const) {
      const before = proxy.answered();
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", script, proxy.endpoint, table, mode, String(Date.now())],
        // The store's key by environment, never on a command line.
        { maxBuffer: 1 << 20, env: { ...process.env, AMPA_DYNAMODB_KEY: store.key } },
      );
      const tick = JSON.parse(stdout.trim()) as Omit<BoundedTick, "bytesRead">;
      results.push({ ...tick, bytesRead: proxy.answered() - before });
      log(`bounded: ${mode}: ${JSON.stringify(results.at(-1))}`);
    }
    return results;
  } finally {
    proxy.close();
    await store.close();
  }
}

/** The benchmark's section of docs/benchmarks.md. */
export function boundedSection(ticks: BoundedTick[]): string {
  const row = (t: BoundedTick) =>
    `| ${t.mode === "full" ? "before: whole items" : "after: projection"} | ${bytes(t.bytesRead)} | ${bytes(t.rssPeak)} | ${bytes(t.heapPeak)} | ${fmt(t.ms / 1000)} s | ${t.rssPeak <= BOUNDED.tickMemoryBytes ? "yes" : "**no**"} |`;
  return [
    "## A tick over a large store",
    "",
    `One tick (\`npm run bench -- --only bounded\`) over ${BOUNDED.commands.toLocaleString("en")} commands of ${BOUNDED.commandBytes / 1000} KB of metadata each (${bytes(BOUNDED.commands * BOUNDED.commandBytes)}, in-memory dynalite), in a fresh Node process per row; bytes read counted on the wire.`,
    "",
    "| tick reads | bytes read | peak RSS | peak heap | time | within 512 MB |",
    "| --- | --- | --- | --- | --- | --- |",
    ...ticks.map(row),
  ].join("\n");
}
