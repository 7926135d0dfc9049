import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkOutputFile, writeOutputFile } from "../../src/cli/output-file.js";

/** The CLI's output files (`--html`), on the real file system in a fresh folder. */

const fresh = () => mkdtempSync(join(tmpdir(), "ampa-output-file-"));

describe("writeOutputFile", () => {
  it("replaces an existing file whole and leaves nothing beside it", () => {
    const dir = fresh();
    const file = join(dir, "out.html");
    writeFileSync(file, "old");
    writeOutputFile(file, "new", "--html");
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["out.html"]);
  });

  it("removes its partial file when the rename into place fails", () => {
    const dir = fresh();
    // A folder with something in it cannot be replaced by a file: the rename fails.
    const target = join(dir, "taken");
    mkdirSync(target);
    writeFileSync(join(target, "keep"), "kept");
    expect(() => writeOutputFile(target, "text", "--html")).toThrow(
      new RegExp(`^Cannot write --html ${target}: E`),
    );
    expect(readdirSync(dir)).toEqual(["taken"]);
    expect(readFileSync(join(target, "keep"), "utf8")).toBe("kept");
  });
});

describe("checkOutputFile", () => {
  it("accepts a new file in a folder that exists, and an existing file", () => {
    const dir = fresh();
    expect(checkOutputFile(join(dir, "new.html"), "--html")).toBe(join(dir, "new.html"));
    writeFileSync(join(dir, "old.html"), "");
    expect(checkOutputFile(join(dir, "old.html"), "--html")).toBe(join(dir, "old.html"));
    expect(readdirSync(dir)).toEqual(["old.html"]);
  });
});
