import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

// A copy of the CLI's files, so that touching its sources never rebuilds the bundle that
// other suites' CLI processes are using.
let copy: string;
const bundles = () => readdirSync(join(copy, ".ampa/cli")).sort();
const ampa = (...args: string[]) =>
  run(process.execPath, [join(copy, "bin/ampa.mjs"), ...args], { encoding: "utf8" });

/** main.mjs and the chunks it imports statically, transitively (not those it `import()`s). */
function staticallyLoaded(dir: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(dir, file), "utf8");
    for (const m of text.matchAll(/\bfrom "\.\/([^"]+)"/g)) visit(m[1] ?? "");
    for (const m of text.matchAll(/^import "\.\/([^"]+)"/gm)) visit(m[1] ?? "");
  };
  visit("main.mjs");
  return seen;
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "ampa-cli-bundle-"));
  for (const part of ["bin", "src", "package.json"])
    cpSync(join(ROOT, part), join(copy, part), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
});

describe("bin/ampa.mjs", () => {
  it("builds one bundle of the sources on first use, split where the CLI loads clients on demand", async () => {
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    expect((await ampa("--version")).stdout.trim()).toBe(version.version);
    const [stamp, ...more] = bundles();
    expect(more).toEqual([]);
    const dir = join(copy, ".ampa/cli", stamp ?? "");
    // What every start loads: main.mjs and the chunks it imports statically. The bundled
    // dependencies are marked by esbuild's comments naming each one's files.
    const loaded = staticallyLoaded(dir);
    const atStart = [...loaded].map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
    expect(atStart).toContain("node_modules/@aws-sdk/lib-dynamodb/");
    // The SSM client is loaded on first use, from a chunk of its own.
    expect(atStart).not.toContain("node_modules/@aws-sdk/client-ssm/");
    const chunks = readdirSync(dir).filter((f) => !loaded.has(f));
    expect(
      chunks.some((f) =>
        readFileSync(join(dir, f), "utf8").includes("node_modules/@aws-sdk/client-ssm/"),
      ),
    ).toBe(true);
    // So is dynalite (the local store, the simulator), which stays in node_modules.
    expect(atStart).not.toContain('"dynalite"');
    expect(chunks.some((f) => readFileSync(join(dir, f), "utf8").includes('"dynalite"'))).toBe(
      true,
    );
  });

  it("reuses the bundle while the sources are unchanged, and builds another when one changes", async () => {
    const before = bundles();
    await ampa("--version");
    expect(bundles()).toEqual(before);
    const file = join(copy, "src/cli/version.ts");
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    await ampa("--version");
    const after = bundles();
    // The older bundle stays (a CLI still running may load its chunks) beside the new one.
    expect(after).toHaveLength(2);
    expect(after).toEqual(expect.arrayContaining(before));
  });

  it("lets CLIs started at once on new sources share one bundle, leaving no partial build", async () => {
    const file = join(copy, "src/cli/version.ts");
    const later = new Date(Date.now() + 10_000);
    utimesSync(file, later, later);
    const before = bundles();
    const results = await Promise.all([1, 2, 3, 4].map(() => ampa("--version")));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array(4).fill(results[0]?.stdout.trim()));
    const added = bundles().filter((b) => !before.includes(b));
    expect(added).toHaveLength(1);
    expect(existsSync(join(copy, ".ampa/cli", added[0] ?? "", "main.mjs"))).toBe(true);
    expect(bundles().filter((b) => b.endsWith(".partial"))).toEqual([]);
  });
});
