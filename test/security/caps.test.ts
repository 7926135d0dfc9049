import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { runCli } from "../support/cli.js";
import { spec, T0 } from "../support/commands.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { rawItems } from "../hostile/hostile.js";

/**
 * Bounded by design: the store holds at most AMPA_MAX_COMMANDS commands and an import file
 * is at most AMPA_MAX_IMPORT_BYTES, checked before it is parsed. Past either cap the real
 * `ampa` fails with an error naming the cap and its setting, and writes nothing.
 */

let server: EmbeddedStore;
const dir = mkdtempSync(join(tmpdir(), "ampa-caps-"));
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const envFor = (t: TestTable, extra: Record<string, string> = {}) => ({
  AMPA_DYNAMODB_ENDPOINT: server.endpoint,
  AMPA_TABLE_NAME: t.tableName,
  ...extra,
});

/** A Python store file with `n` commands named c0…c(n-1), padded by `pad` bytes of comment. */
function storeFile(name: string, n: number, pad = 0): string {
  const commands = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `c${i}`,
      { id: `c${i}`, command: `true #${"t".repeat(pad)}`, frequency_minutes: 1, priority: 0 },
    ]),
  );
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ commands, state: {}, last_global_start_ts: null }));
  return path;
}

describe("command and import caps", () => {
  it("adding past AMPA_MAX_COMMANDS fails clearly and loses nothing", async () => {
    const t = await createTestTable(server.endpoint);
    for (const id of ["a", "b"]) await t.store.addCommand(spec(id), T0);
    const before = await rawItems(t);
    const env = envFor(t, { AMPA_MAX_COMMANDS: "2" });

    const refused = await runCli(["add", "c", "true", "5", "0"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("over the cap of 2 commands (AMPA_MAX_COMMANDS");
    expect(refused.stderr).toContain("Nothing was written");
    expect(await rawItems(t)).toEqual(before);

    // Within the cap it still adds; the existing commands are untouched.
    const added = await runCli(["add", "c", "true", "5", "0"], { ...env, AMPA_MAX_COMMANDS: "3" });
    expect(added.code).toBe(0);
    expect((await t.store.listCommands()).commands.map((c) => c.id).sort()).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("an import that would pass AMPA_MAX_COMMANDS writes nothing, dry run or not", async () => {
    const t = await createTestTable(server.endpoint);
    await t.store.addCommand(spec("existing"), T0);
    const before = await rawItems(t);
    const file = storeFile("three.json", 3);
    for (const args of [
      ["import", file],
      ["import", file, "--dry-run"],
    ]) {
      const refused = await runCli(args, envFor(t, { AMPA_MAX_COMMANDS: "3" }));
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("3 new commands would make 4, over the cap of 3");
      expect(await rawItems(t)).toEqual(before);
    }
    // A file that holds more than the cap by itself is refused before any planning.
    const big = await runCli(
      ["import", storeFile("five.json", 5)],
      envFor(t, { AMPA_MAX_COMMANDS: "4" }),
    );
    expect(big.code).toBe(2);
    expect(big.stderr).toContain("5 new commands would make 5, over the cap of 4");
    expect(await rawItems(t)).toEqual(before);
  });

  it("an import file over AMPA_MAX_IMPORT_BYTES is refused before parsing and writes nothing", async () => {
    const t = await createTestTable(server.endpoint);
    const before = await rawItems(t);
    // Valid JSON of 2,000+ bytes; and one that is not JSON at all, to show nothing parsed it.
    const valid = storeFile("padded.json", 2, 1_000);
    const garbage = join(dir, "garbage.json");
    writeFileSync(garbage, "{".repeat(4_096));
    for (const file of [valid, garbage]) {
      const refused = await runCli(["import", file], envFor(t, { AMPA_MAX_IMPORT_BYTES: "2000" }));
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        `${file} is larger than the cap of 2000 bytes (AMPA_MAX_IMPORT_BYTES)`,
      );
      // That one line only: no parse error, so nothing read the file as JSON.
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(await rawItems(t)).toEqual(before);
    // Under the cap the same file imports.
    const ok = await runCli(["import", valid], envFor(t, { AMPA_MAX_IMPORT_BYTES: "100000" }));
    expect(ok.code).toBe(0);
    expect((await t.store.listCommands()).commands).toHaveLength(2);
  });

  it("an invalid cap stops the command, naming the setting", async () => {
    const t = await createTestTable(server.endpoint);
    const bad = await runCli(
      ["add", "c", "true", "5", "0"],
      envFor(t, { AMPA_MAX_COMMANDS: "lots" }),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('AMPA_MAX_COMMANDS="lots" is invalid');
    expect(bad.stderr).not.toContain("unknown");
    expect(await rawItems(t)).toEqual([]);
  });
});
