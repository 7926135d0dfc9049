import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type AttributeValue, ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { must } from "../support/commands.js";
import type { Doubles } from "../support/doubles.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { startFakeWebhook } from "../support/webhook-server.js";

/**
 * Shared by the hostile-input suite: payloads that would run a command if any of them
 * reached a shell, a marker directory that proves none did, raw table access, and a raw
 * tool that answers chosen argv with chosen bytes.
 */

/** A fresh, empty directory; an injected `touch` would leave a file in it. */
export function markerDir(): string {
  return mkdtempSync(join(tmpdir(), "ampa-hostile-marker-"));
}

/** Files in the marker directory: must stay empty. */
export const executed = (dir: string): string[] => readdirSync(dir);

/**
 * Shell metacharacter payloads, each creating its own marker file if a shell ever saw it:
 * command substitution, backticks, `;`, `|`, `&&`, a newline, both quote styles, and an
 * option-looking value.
 */
export function shellPayloads(dir: string): Record<string, string> {
  const m = (name: string) => join(dir, name);
  return {
    dollarParen: `$(touch ${m("dollar")})`,
    backticks: `\`touch ${m("backtick")}\``,
    semicolon: `x; touch ${m("semicolon")}`,
    pipe: `x | touch ${m("pipe")}`,
    and: `x && touch ${m("and")}`,
    newline: `x\ntouch ${m("newline")}\n`,
    singleQuote: `x'; touch ${m("single")}; echo '`,
    doubleQuote: `x"; touch ${m("double")}; echo "`,
    option: `--exec=touch ${m("option")}`,
  };
}

/** Every payload in one string (for free-text fields such as audit output). */
export const allPayloads = (dir: string): string => Object.values(shellPayloads(dir)).join("\n");

/** Every item of the table as DynamoDB holds it (no document-client conversion). */
export async function rawItems(t: TestTable): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await t.dynamo.send(
      new ScanCommand({ TableName: t.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The raw item with this key, if any. */
export async function rawItem(
  t: TestTable,
  pk: string,
  sk: string,
): Promise<Record<string, AttributeValue> | undefined> {
  return (await rawItems(t)).find((i) => i.pk?.S === pk && i.sk?.S === sk);
}

/** Environment for the CLI on this table. */
export const cliEnv = (endpoint: string, t: TestTable): Record<string, string> => ({
  AMPA_DYNAMODB_ENDPOINT: endpoint,
  AMPA_TABLE_NAME: t.tableName,
});

/** A PATH with the shell utilities but no opencode, so long output is cut, not summarized. */
export const PLAIN_PATH = `${resolve(process.execPath, "..")}:/usr/bin:/bin`;

const RAW_TOOL = resolve(import.meta.dirname, "raw-tool.mjs");

/**
 * Replaces `program` in the doubles' bin with a tool that answers the given argv (joined
 * by spaces) with exactly the given bytes on stdout and exit 0, recording the call like the
 * doubles do; any other argv is handled by the usual double.
 */
export function rawResponses(
  d: Doubles,
  program: "wl" | "opencode" | "gh",
  responses: Record<string, Buffer | string>,
): void {
  const dir = mkdtempSync(join(d.dir, `raw-${program}-`));
  const index: Record<string, string> = {};
  Object.entries(responses).forEach(([argv, bytes], i) => {
    const file = join(dir, `${i}.bin`);
    writeFileSync(file, bytes);
    index[argv] = file;
  });
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));
  const bin = join(d.bin, program);
  writeFileSync(
    bin,
    `#!/bin/sh\nexec "${process.execPath}" "${RAW_TOOL}" "${program}" "${dir}" "$@"\n`,
  );
  chmodSync(bin, 0o755);
}

/** What the fake webhook received: one Discord execute-webhook body. */
export interface Post {
  content: string;
  allowed_mentions: unknown;
}

export interface FreshStack {
  table: TestTable;
  /** The CLI's environment: this table and this webhook. */
  env: Record<string, string>;
  posts: () => Post[];
}

/** A fresh table and fake webhook for one test (safe for concurrent tests), then closed. */
export async function freshStack<T>(
  endpoint: string,
  fn: (s: FreshStack) => Promise<T>,
): Promise<T> {
  const webhook = await startFakeWebhook();
  const table = await createTestTable(endpoint);
  try {
    return await fn({
      table,
      env: { ...cliEnv(endpoint, table), AMPA_DISCORD_WEBHOOK: webhook.url },
      posts: () => webhook.requests.map((r) => JSON.parse(r.body) as Post),
    });
  } finally {
    await webhook.close();
  }
}

/**
 * One store server for the test file (this registers the hooks that start and stop it),
 * and a function that runs one test's body on a freshStack of its own there.
 */
export function freshStacks(): <T>(fn: (s: FreshStack) => Promise<T>) => Promise<T> {
  let server: EmbeddedStore | undefined;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  return (fn) => freshStack(must(server, "the store server").endpoint, fn);
}
