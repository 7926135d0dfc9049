import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { type CliResult, runCli } from "../support/cli.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { cliEnv, rawItems } from "./hostile.js";

/**
 * Hostile values through `ampa import`, the channel that can carry what argv cannot (NUL):
 * the whole file is checked first, every bad entry is listed with its path, and nothing is
 * written. Values that are fine round-trip through import → export exactly.
 */

let server: EmbeddedStore;
let t: TestTable;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), "ampa-hostile-import-"));

beforeAll(async () => {
  server = await startTestServer();
  t = await createTestTable(server.endpoint);
  env = cliEnv(server.endpoint, t);
});
afterAll(async () => {
  await server.close();
});

const ESC = "\u001b";
const good = { command: "true", frequency_minutes: 1, priority: 0 };
const deep = (levels: number): unknown => {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return { a: value };
};

/** Each entry: the case, its command (keyed by the id given), the problem line expected. */
const BAD_COMMANDS: [string, string, Record<string, unknown>, string][] = [
  ["id with a NUL", "a\u0000b", {}, "commands.a\\u0000b.id: must be 1-128 characters"],
  ["id with a slash", "a/b", {}, "commands.a/b.id: must be 1-128 characters"],
  ["id with a hash", "a#b", {}, "commands.a#b.id: must be 1-128 characters"],
  ["id with a space", "a b", {}, "commands.a b.id: must be 1-128 characters"],
  ["id of 1,000 characters", "i".repeat(1000), {}, `commands.${"i".repeat(1000)}.id: must be`],
  ["id with a leading dash", "-rf", {}, "commands.-rf.id: must be 1-128 characters"],
  ["id path traversal", "../../x", {}, "commands.../../x.id: must be 1-128 characters"],
  ["id in unicode", "héllo👋", {}, "commands.héllo👋.id: must be 1-128 characters"],
  ["id with an escape", `${ESC}[2J`, {}, "commands.\\u001b[2J.id: must be 1-128 characters"],
  ["id not its key", "key", { id: "other" }, 'commands.key.id: must equal its key "key"'],
  [
    "command with a NUL",
    "c-nul",
    { command: "echo a\u0000b" },
    "c-nul.command: must not contain NUL",
  ],
  [
    "metadata an array",
    "m-array",
    { metadata: [1] },
    "commands.m-array.metadata: must be an object",
  ],
  ["metadata a string", "m-str", { metadata: "{}" }, "commands.m-str.metadata: must be an object"],
  ["metadata a number", "m-num", { metadata: 7 }, "commands.m-num.metadata: must be an object"],
  ["metadata null", "m-null", { metadata: null }, "commands.m-null.metadata: must be an object"],
  [
    "metadata 40 levels deep",
    "m-deep",
    { metadata: deep(40) },
    "m-deep.metadata: must nest at most 30",
  ],
  [
    "metadata over 256 KB",
    "m-big",
    { metadata: { blob: "b".repeat(300_000) } },
    "commands.m-big.metadata: must be at most 262144 bytes",
  ],
  [
    "frequency 0",
    "f0",
    { frequency_minutes: 0 },
    "commands.f0.frequency_minutes: must be a positive",
  ],
  [
    "frequency negative",
    "fneg",
    { frequency_minutes: -1 },
    "fneg.frequency_minutes: must be a positive",
  ],
  [
    "frequency 1.5",
    "ffloat",
    { frequency_minutes: 1.5 },
    "ffloat.frequency_minutes: must be a positive",
  ],
  [
    "frequency 1e12",
    "fhuge",
    { frequency_minutes: 1e12 },
    "fhuge.frequency_minutes: must be at most 525600",
  ],
  [
    "frequency MAX_SAFE_INTEGER + 2",
    "fsafe",
    { frequency_minutes: Number.MAX_SAFE_INTEGER + 2 },
    "fsafe.frequency_minutes: must be",
  ],
  [
    "frequency as text",
    "fstr",
    { frequency_minutes: "5" },
    "fstr.frequency_minutes: must be a positive",
  ],
  [
    "frequency null",
    "fnull",
    { frequency_minutes: null },
    "fnull.frequency_minutes: must be a positive",
  ],
];

/** A store file with every bad command, and `extra` spliced in as raw JSON text. */
function badStoreText(): string {
  const commands: Record<string, unknown> = {};
  for (const [, id, fields] of BAD_COMMANDS) commands[id] = { id, ...good, ...fields };
  const json = JSON.stringify({
    commands,
    state: {
      ok: { last_audit_at_by_item: { "SA-1\u0000": "2026-02-05T06:00:00Z" } },
    },
  });
  // JSON.stringify cannot write Infinity: 1e999 parses to it; 50,000 levels of nesting.
  return json.replace(
    '"commands":{',
    `"commands":{"finf":{"id":"finf","command":"true","frequency_minutes":1e999,"priority":0},` +
      `"m-50k":{"id":"m-50k","command":"true","frequency_minutes":1,"priority":0,` +
      `"metadata":{"a":${"[".repeat(50_000)}${"]".repeat(50_000)}}},`,
  );
}

describe("a store file full of hostile entries", () => {
  let result: CliResult;
  let dryRun: CliResult;
  let before: unknown;
  beforeAll(async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, badStoreText());
    before = await rawItems(t);
    [result, dryRun] = await Promise.all([
      runCli(["import", file], env),
      runCli(["import", file, "--dry-run"], env),
    ]);
  });

  it("is refused as a whole, exit 2, and nothing is written", async () => {
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^bad\.json is not a valid AMPA store; nothing was imported:/);
    expect(result.stderr).not.toMatch(/\n\s+at |ampa: /);
    expect(dryRun).toEqual(result);
    expect(await rawItems(t)).toEqual(before);
  });

  it("prints no raw control character", () => {
    expect(result.stderr.replace(/\n/g, "")).not.toMatch(/\p{Cc}/u);
  });

  it.each(BAD_COMMANDS.map(([name, , , line]) => [name, line]))("%s: listed", (_name, line) => {
    expect(result.stderr).toContain(line);
  });

  it.each([
    ["frequency Infinity (1e999)", "commands.finf.frequency_minutes: must be a positive integer"],
    ["metadata 50,000 levels deep", "commands.m-50k.metadata: must nest at most 30 levels"],
    [
      "a work item id with a NUL",
      "state.ok.last_audit_at_by_item.SA-1\\u0000: work item ids must be 1-256 printable",
    ],
  ])("%s: listed", (_name, line) => {
    expect(result.stderr).toContain(line);
  });

  it("lists each problem once: nothing else was found", () => {
    const problems = result.stderr.split("\n").filter((l) => l.startsWith("  "));
    // The three cases above, and 2^53 + 2 is both not a safe integer and over the maximum.
    expect(problems).toHaveLength(BAD_COMMANDS.length + 3 + 1);
  });
});

describe("hostile values a store may hold", () => {
  it("unicode, control characters and metadata of every JSON type round-trip import → export", async () => {
    const text = `emoji 👋🏽, RTL שלום \u202e, combining e\u0301, ESC ${ESC}[2J, tab\t`;
    const metadata = {
      list: [1, "two", null, true, { nested: [[["deep but allowed"]]] }],
      text: `${text} NUL \u0000`,
      number: 1.5,
      nothing: null,
      discord_label: "@everyone",
    };
    const store = {
      commands: {
        "round-trip": {
          id: "round-trip",
          command: `printf '%s' '${text}'`,
          title: `${text} NUL \u0000`,
          requires_llm: false,
          frequency_minutes: 525_600,
          priority: 1000,
          metadata,
          max_runtime_minutes: 1440,
          type: "shell",
        },
      },
      state: {},
      last_global_start_ts: null,
    };
    const file = join(dir, "good.json");
    writeFileSync(file, JSON.stringify(store));
    const imported = await runCli(["import", file], env);
    expect(imported.code).toBe(0);
    const exported = JSON.parse((await runCli(["export"], env)).stdout);
    expect(exported.commands["round-trip"]).toEqual(store.commands["round-trip"]);
  });
});
