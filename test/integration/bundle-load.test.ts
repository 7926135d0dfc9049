import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundle } from "../../scripts/bench/footprint.js";

// The deployed bundles, built as serverless.yml builds them, loaded as Lambda loads them:
// a CommonJS file outside the project, the SDK found only through NODE_PATH.
const root = resolve(import.meta.dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "ampa-bundle-load-"));
const built = new Map<string, string>();

beforeAll(async () => {
  for (const name of ["tick", "metrics", "heartbeat"]) {
    const outfile = join(out, `${name}.cjs`);
    await bundle(join(root, "src/handlers", `${name}.ts`), outfile, false);
    built.set(name, outfile);
  }
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The SDK clients a fresh node has loaded once it has required the bundle. */
function clientsLoadedBy(outfile: string): string[] {
  const script = `require(${JSON.stringify(outfile)});process.stdout.write(JSON.stringify(Object.keys(require.cache).map((k)=>/@aws-sdk\\/(client-[a-z]+)\\/dist-cjs\\/index\\.js$/.exec(k)?.[1]).filter(Boolean)))`;
  const res = spawnSync(process.execPath, ["-e", script], {
    cwd: out,
    env: { ...process.env, NODE_PATH: join(root, "node_modules"), NODE_OPTIONS: "" },
    encoding: "utf8",
  });
  expect(res.status, res.stderr).toBe(0);
  return (JSON.parse(res.stdout) as string[]).sort();
}

const bundled = (name: string) => readFileSync(built.get(name) ?? "", "utf8");

describe("function bundles", () => {
  it("load only the DynamoDB client at cold start; SSM and Lambda wait for their first use", () => {
    for (const name of built.keys()) {
      expect(clientsLoadedBy(built.get(name) ?? ""), name).toEqual(["client-dynamodb"]);
    }
  });

  it("keep the deferred clients as require() calls, which resolve through NODE_PATH", () => {
    // An ESM import() of a package ignores NODE_PATH, so on Lambda it would not find the SDK.
    for (const name of built.keys()) expect(bundled(name), name).not.toMatch(/\bimport\(/);
    expect(bundled("tick")).toContain('require("@aws-sdk/client-lambda")');
    expect(bundled("metrics")).toContain('require("@aws-sdk/client-ssm")');
  });
});
