import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { runCli } from "../support/cli.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { cliEnv, PLAIN_PATH, rawItems } from "./hostile.js";

/**
 * Hostile arguments to the real `ampa` executable: each is refused with exit code 2 and a
 * message naming the bad input, writing nothing, or accepted and read back exactly.
 */

let server: EmbeddedStore;
let t: TestTable;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  t = await createTestTable(server.endpoint);
  env = { ...cliEnv(server.endpoint, t), PATH: PLAIN_PATH };
});
afterAll(async () => {
  await server.close();
});

/** Linux refuses one argv string longer than this (MAX_ARG_STRLEN, 32 pages): E2BIG. */
const MAX_ARG_BYTES = 128 * 1024 - 1;
/** A control character no terminal should receive from an error message. */
const ESC = "\u001b";

const listed = async (id: string) => {
  const all = JSON.parse((await runCli(["list", "--json"], env)).stdout) as Record<
    string,
    unknown
  >[];
  return all.find((c) => c.id === id);
};

/** Expects exit code 2, the message on stderr, no stack trace, and an unchanged table. */
async function expectRefused(args: string[], message: string | RegExp): Promise<void> {
  const before = await rawItems(t);
  const result = await runCli(args, env);
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: "" });
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at |Exception|ampa: /);
  expect(result.stderr).not.toContain(ESC);
  expect(await rawItems(t)).toEqual(before);
}

describe("arguments the kernel cannot carry", () => {
  it("NUL: argv strings are C strings, so Node refuses to start ampa at all", async () => {
    await expect(runCli(["add", "a\u0000b", "true", "1", "0"], env)).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_VALUE",
    });
    await expect(runCli(["add", "ok", "echo a\u0000b", "1", "0"], env)).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_VALUE",
    });
  });

  it("1 MB in one argument: execve fails with E2BIG before ampa runs", async () => {
    await expect(runCli(["add", "big", "x".repeat(1024 * 1024), "1", "0"], env)).rejects.toThrow(
      /E2BIG/,
    );
  });

  it("near ARG_MAX (14 arguments of 128 KiB): refused by the argument parser", async () => {
    const extra = Array.from({ length: 14 }, () => "y".repeat(MAX_ARG_BYTES));
    await expectRefused(["list", ...extra], /too many arguments/);
  });
});

describe("the largest single argument (128 KiB - 1)", () => {
  const big = "z".repeat(MAX_ARG_BYTES);
  it.concurrent.each([
    ["id", ["add", big, "true", "1", "0"], "Invalid id: must be 1-128 characters"],
    ["command", ["add", "big-command", big, "1", "0"], "Invalid command: must be at most 16384"],
    [
      "title",
      ["add", "big-title", "true", "1", "0", "--title", big],
      "Invalid title: must be at most 256",
    ],
    ["frequency", ["add", "big-frequency", "true", `1${"0".repeat(MAX_ARG_BYTES - 1)}`, "0"], ""],
    ["id of pause", ["pause", big], "Invalid id"],
  ])("as the %s: refused with a clear message", async (_name, args, message) => {
    await expectRefused(args, message || /Invalid frequency/);
  });

  it("as --metadata (a 128 KiB JSON object): accepted and read back exactly", async () => {
    const metadata = { blob: "m".repeat(MAX_ARG_BYTES - 20) };
    const json = JSON.stringify(metadata);
    expect(json.length).toBeLessThanOrEqual(MAX_ARG_BYTES);
    const added = await runCli(["add", "big-meta", "true", "1", "0", "--metadata", json], env);
    expect(added).toMatchObject({ code: 0, stdout: "Added big-meta\n" });
    expect((await listed("big-meta"))?.metadata).toEqual(metadata);
  });
});

describe("empty strings", () => {
  it.concurrent.each([
    ["id of add", ["add", "", "true", "1", "0"], "Invalid id"],
    ["frequency", ["add", "e1", "true", "", "0"], 'Invalid frequency_minutes ""'],
    ["priority", ["add", "e2", "true", "1", ""], 'Invalid priority ""'],
    ["--metadata", ["add", "e3", "true", "1", "0", "--metadata", ""], "not valid JSON"],
    ["--max-runtime-minutes", ["add", "e4", "true", "1", "0", "--max-runtime-minutes", ""], ""],
    ["id of remove", ["remove", ""], "Invalid id"],
    ["id of pause", ["pause", ""], "Invalid id"],
    ["id of resume", ["resume", ""], "Invalid id"],
    ["id of run-once", ["run-once", ""], "Invalid id"],
    ["import file name", ["import", ""], "Cannot read store file"],
  ])("%s: refused with a clear message", async (_name, args, message) => {
    await expectRefused(args, message || /Invalid --max-runtime-minutes ""/);
  });

  it("an empty command and title are accepted and read back as empty", async () => {
    expect((await runCli(["add", "empty", "", "1", "0", "--title", ""], env)).code).toBe(0);
    expect(await listed("empty")).toMatchObject({ command: "", title: "" });
    const run = await runCli(["run-once", "empty"], env);
    expect(run).toMatchObject({ code: 0, stdout: "Run-once complete for empty exit=0\n" });
  });
});

describe("unicode and control characters in the command and title", () => {
  const cases = [
    ["emoji", "👋🏽 🧑‍🚀 🇺🇦"],
    ["right-to-left", "שלום مرحبا \u202eevil\u202c"],
    ["combining", "e\u0301 a\u0308\u0308\u0308 Z\u0335\u0321\u0322"],
    ["control characters", `tab\tbell\u0007esc${ESC}[31mred${ESC}[0m cr\r del\u007f`],
  ] as const;
  it.each(cases)("%s: stored, listed and run exactly as given", async (name, text) => {
    const id = `u-${name.replace(/\W/g, "-")}`;
    const command = `printf '%s' '${text.replaceAll("'", "'\\''")}'`;
    const added = await runCli(["add", id, command, "1", "0", "--title", text], env);
    expect(added).toMatchObject({ code: 0, stdout: `Added ${id}\n` });
    expect(await listed(id)).toMatchObject({ command, title: text });
    const run = await runCli(["run-once", id], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${text}\nRun-once complete for ${id} exit=0\n`);
    const exported = JSON.parse((await runCli(["export"], env)).stdout);
    expect(exported.commands[id]).toMatchObject({ command, title: text });
  });
});

describe("command ids", () => {
  // Ids become DynamoDB sort keys (at most 1,024 bytes), log fields and CLI arguments.
  const refused = [
    ["a slash", "a/b"],
    ["a hash", "a#b"],
    ["a space", "a b"],
    ["1,000 characters", "a".repeat(1000)],
    ["1,000 two-byte characters (2,000 bytes: over the 1,024-byte key limit)", "é".repeat(1000)],
    ["path traversal", "../../x"],
    ["unicode", "héllo-👋"],
    ["an escape sequence", `${ESC}[2J`],
    ["a leading dash after --", "-rf"],
    ["an option after --", "--help"],
  ];
  it.concurrent.each(refused)("with %s: add refuses it", async (_name, id) => {
    await expectRefused(["add", "--", id, "true", "1", "0"], "Invalid id: must be 1-128");
  });

  it.concurrent.each([
    ["pause, 1,000 two-byte characters (no key holds it)", "pause", "é".repeat(1000), "Invalid id"],
    ["resume, 2,000 characters (no key holds it)", "resume", "x".repeat(2000), "Invalid id"],
    [
      "run-once, an escape sequence (echoed escaped)",
      "run-once",
      `${ESC}[2J`,
      "Unknown command id: \\u001b[2J",
    ],
    ["remove, path traversal", "remove", "../../x", "Unknown command id: ../../x"],
    ["pause, slash, hash and space", "pause", "a/b#c d", "Unknown command id: a/b#c d"],
  ])("%s: a clear error, never a DynamoDB error", async (_name, verb, id, message) => {
    await expectRefused([verb, "--", id], message);
  });

  it("a leading dash without -- is taken for an option and refused", async () => {
    await expectRefused(["add", "-x", "true", "1", "0"], "unknown option '-x'");
  });

  it.each([
    ["punctuation", "a.b_c-1"],
    ["128 characters, the longest", `A${"b".repeat(127)}`],
  ])(
    "with %s: accepted and round-trips through list, status, export and run-once",
    async (_n, id) => {
      expect((await runCli(["add", id, "echo ran", "1", "0"], env)).code).toBe(0);
      expect((await listed(id))?.id).toBe(id);
      const status = JSON.parse((await runCli(["status", "--json"], env)).stdout);
      expect(status.commands.map((c: { id: string }) => c.id)).toContain(id);
      expect(JSON.parse((await runCli(["export"], env)).stdout).commands[id].id).toBe(id);
      expect((await runCli(["run-once", id], env)).stdout).toBe(
        `ran\nRun-once complete for ${id} exit=0\n`,
      );
      expect(await runCli(["remove", id], env)).toMatchObject({
        code: 0,
        stdout: `Removed ${id}\n`,
      });
    },
  );
});

describe("frequencies, priorities and max runtimes", () => {
  const frequency = (value: string) => ["add", "--", "f", "true", value, "0"];
  it.concurrent.each([
    ["0", frequency("0"), 'Invalid frequency_minutes "0": must be a positive integer'],
    ["negative", frequency("-5"), 'Invalid frequency_minutes "-5"'],
    ["a float", frequency("1.5"), 'Invalid frequency_minutes "1.5"'],
    ["1e12 written as an exponent", frequency("1e12"), 'Invalid frequency_minutes "1e12"'],
    ["1e12 written out", frequency("1000000000000"), "must be at most 525600"],
    ["one past the maximum", frequency("525601"), "must be at most 525600"],
    ["MAX_SAFE_INTEGER + 2", frequency("9007199254740993"), "must be"],
    ["Infinity", frequency("Infinity"), 'Invalid frequency_minutes "Infinity"'],
    ["NaN", frequency("NaN"), 'Invalid frequency_minutes "NaN"'],
    ["hexadecimal", frequency("0x10"), 'Invalid frequency_minutes "0x10"'],
    ["Arabic-Indic digits", frequency("٥"), 'Invalid frequency_minutes "٥"'],
    ["a word", frequency("five"), 'Invalid frequency_minutes "five"'],
    ["priority 1001", ["add", "p", "true", "1", "1001"], "must be an integer between 0 and 1000"],
    ["priority -1", ["add", "--", "p", "true", "1", "-1"], 'Invalid priority "-1"'],
    ["priority 1.5", ["add", "p", "true", "1", "1.5"], 'Invalid priority "1.5"'],
    ["max runtime 0", ["add", "m", "true", "1", "0", "--max-runtime-minutes", "0"], "positive"],
    ["max runtime 1441", ["add", "m", "true", "1", "0", "--max-runtime-minutes", "1441"], "1440"],
  ])("%s: refused with a clear message", async (_name, args, message) => {
    await expectRefused(args, message);
  });

  it("the largest frequency, one year, is accepted and read back", async () => {
    expect((await runCli(["add", "yearly", "true", "525600", "1000"], env)).code).toBe(0);
    expect(await listed("yearly")).toMatchObject({ frequencyMinutes: 525_600, priority: 1000 });
  });
});

describe("metadata that is not an object", () => {
  const deep = (levels: number) => `{"a":${"[".repeat(levels)}${"]".repeat(levels)}}`;
  it.concurrent.each([
    ["an array", "[1,2]", "Invalid --metadata: must be a JSON object"],
    ["a string", '"text"', "Invalid --metadata: must be a JSON object"],
    ["a number", "42", "Invalid --metadata: must be a JSON object"],
    ["null", "null", "Invalid --metadata: must be a JSON object"],
    ["a boolean", "true", "Invalid --metadata: must be a JSON object"],
    ["truncated JSON", '{"a":', "Invalid --metadata: not valid JSON"],
    ["nested 40 levels (DynamoDB allows 32)", deep(40), "Invalid metadata: must nest at most"],
    ["nested 50,000 levels", deep(50_000), "Invalid metadata: must nest at most"],
  ])("%s: refused with a clear message", async (_name, json, message) => {
    await expectRefused(["add", "meta", "true", "1", "0", "--metadata", json], message);
  });
});
