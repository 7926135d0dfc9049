import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { opencodeSummarizer } from "../../src/lib/adapters/process/programs.js";

const originalPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = originalPath;
});

/** A real `opencode` executable on PATH that records its argv and prints a summary. */
function fakeOpencode(script: (dir: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "ampa-opencode-"));
  const bin = join(dir, "opencode");
  writeFileSync(bin, `#!/bin/sh\n${script(dir)}\n`);
  chmodSync(bin, 0o755);
  process.env.PATH = `${dir}:${originalPath}`;
  return dir;
}

describe("opencode summarizer", () => {
  it("passes the prompt as one argv element and returns what opencode prints", async () => {
    const dir = fakeOpencode((d) => `printf '%s\\n' "$#" "$1" > ${d}/argv; echo "short summary"`);
    const marker = join(dir, "pwned");
    const hostile = `text $(touch ${marker}) \`touch ${marker}\`; touch ${marker}`;
    expect(await opencodeSummarizer()(hostile)).toBe("short summary");
    const [argc, first] = readFileSync(join(dir, "argv"), "utf8").split("\n");
    expect(argc).toBe("2");
    expect(first).toBe("run");
    expect(existsSync(marker)).toBe(false);
  });

  it("gives up after its timeout and when opencode fails or is missing", async () => {
    fakeOpencode(() => "sleep 5");
    expect(await opencodeSummarizer(200)("text")).toBeUndefined();
    fakeOpencode(() => "exit 3");
    expect(await opencodeSummarizer()("text")).toBeUndefined();
    process.env.PATH = "/nonexistent";
    expect(await opencodeSummarizer()("text")).toBeUndefined();
  });
});
