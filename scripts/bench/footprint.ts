import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { bytes, fmt, log, median } from "./format.js";

/** Footprint: each function's bundle, its deployment zip and how long it takes to load. */

const root = resolve(import.meta.dirname, "../..");

export interface Footprint {
  name: string;
  bytes: number;
  /** The deployment package `osls package` builds (bundle + source map), when it could run. */
  zipBytes: number | undefined;
  gzipBytes: number;
  loadWithSdkMs: number;
  loadAloneMs: number;
  processMs: number;
}

const LOADS = 21;
const SDK = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb", "@aws-sdk/client-lambda"];

/** Runs `script` in a fresh `node` process and returns what it prints (a number). */
function freshNode(script: string): { printed: number; wallMs: number } {
  const t = performance.now();
  const res = spawnSync(process.execPath, ["-e", script], {
    env: { ...process.env, NODE_PATH: join(root, "node_modules"), NODE_OPTIONS: "" },
    encoding: "utf8",
  });
  const wallMs = performance.now() - t;
  if (res.status !== 0) throw new Error(`node -e failed: ${res.stderr}`);
  return { printed: Number(res.stdout.trim()), wallMs };
}

/** Zip sizes from `osls package`, into a temporary folder; empty when it cannot run here. */
function packageZips(): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "ampa-bench-package-"));
  const esbuildDir = `.ampa/esbuild-bench-${process.pid}`;
  try {
    log("footprint: osls package");
    const res = spawnSync(
      process.execPath,
      [join(root, "node_modules/osls/bin/serverless.js"), "package", "--package", dir],
      { cwd: root, encoding: "utf8", env: { ...process.env, AMPA_ESBUILD_DIR: esbuildDir } },
    );
    if (res.status !== 0) {
      log(`osls package failed; zip sizes not reported: ${res.stderr.slice(0, 500)}`);
      return new Map();
    }
    return new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith(".zip"))
        .map((f) => [basename(f, ".zip"), statSync(join(dir, f)).size]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(root, esbuildDir), { recursive: true, force: true });
  }
}

/** Every function's footprint, and the SDK's and an empty process's load times. */
export interface FootprintResult {
  functions: Footprint[];
  sdkMs: number;
  nodeMs: number;
}

export async function footprint(): Promise<FootprintResult> {
  const out = mkdtempSync(join(tmpdir(), "ampa-bench-bundles-"));
  const zips = packageZips();
  try {
    const handlers = readdirSync(join(root, "src/handlers"))
      .filter((f) => f.endsWith(".ts"))
      .sort();
    const bundles: { name: string; outfile: string }[] = [];
    for (const file of handlers) {
      const name = basename(file, ".ts");
      log(`footprint: building ${name}`);
      const outfile = join(out, `${name}.cjs`);
      // The options serverless.yml gives serverless-esbuild for every function.
      await build({
        entryPoints: [join(root, "src/handlers", file)],
        outfile,
        bundle: true,
        minify: true,
        keepNames: true,
        sourcemap: "linked",
        target: "node22",
        platform: "node",
        format: "cjs",
        external: ["@aws-sdk/*"],
        logLevel: "error",
      });
      bundles.push({ name, outfile });
    }
    const timedRequire = (outfile: string, preload: string[]) =>
      `${preload.map((m) => `require(${JSON.stringify(m)});`).join("")}const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
    const sdkOnly = `const t=process.hrtime.bigint();${SDK.map((m) => `require(${JSON.stringify(m)});`).join("")}process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
    // Round-robin over every measurement, so a burst of load elsewhere on the machine
    // lands on all of them alike instead of on one function.
    const samples = new Map<string, { printed: number; wallMs: number }[]>();
    const record = (key: string, script: string) => {
      const list = samples.get(key) ?? [];
      list.push(freshNode(script));
      samples.set(key, list);
    };
    log(`footprint: ${LOADS} rounds of fresh node processes`);
    for (let round = 0; round < LOADS; round++) {
      for (const b of bundles) {
        record(`${b.name}:sdk`, timedRequire(b.outfile, []));
        record(`${b.name}:alone`, timedRequire(b.outfile, SDK));
      }
      record("sdk", sdkOnly);
      record("empty", "process.stdout.write('0')");
    }
    const printed = (key: string) => median((samples.get(key) ?? []).map((r) => r.printed));
    const wall = (key: string) => median((samples.get(key) ?? []).map((r) => r.wallMs));
    return {
      functions: bundles.map((b) => {
        const code = readFileSync(b.outfile);
        return {
          name: b.name,
          bytes: statSync(b.outfile).size,
          zipBytes: zips.get(b.name),
          gzipBytes: gzipSync(code).length,
          loadWithSdkMs: printed(`${b.name}:sdk`),
          loadAloneMs: printed(`${b.name}:alone`),
          processMs: wall(`${b.name}:sdk`),
        };
      }),
      sdkMs: printed("sdk"),
      nodeMs: wall("empty"),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function footprintSection(fp: FootprintResult): string {
  return [
    "## Footprint",
    "",
    `Each function is bundled by esbuild with the options \`serverless.yml\` gives serverless-esbuild (bundle, minify, keepNames, CommonJS, target node22, platform node, linked source map not counted), with \`@aws-sdk/*\` **external**: the \`nodejs22.x\` Lambda runtime provides AWS SDK v3, so it is not in the bundle. \`npx osls package\` zips the same output with its source map (see \`.ci/run\`); the zips it built in this run are listed too. Load time is \`require()\` of the bundle in a fresh \`node\` process, median of ${LOADS} processes each: with the SDK resolved from \`node_modules\` (as the runtime resolves its own copy — the honest cold figure), and with the SDK already loaded (the bundle's own cost).`,
    "",
    "| function | bundle | gzip | deployment zip (`osls package`, with source map) | cold load incl. SDK (median) | bundle alone, SDK preloaded (median) | whole process, spawn to exit (median) |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...fp.functions.map(
      (f) =>
        `| ${f.name} | ${bytes(f.bytes)} | ${bytes(f.gzipBytes)} | ${f.zipBytes === undefined ? "not measured" : bytes(f.zipBytes)} | ${fmt(f.loadWithSdkMs)} ms | ${fmt(f.loadAloneMs)} ms | ${fmt(f.processMs, 0)} ms |`,
    ),
    "",
    `Loading the three SDK clients alone takes ${fmt(fp.sdkMs)} ms (median); an empty \`node -e\` process takes ${fmt(fp.nodeMs, 0)} ms from spawn to exit. Measured under Node ${process.version} (Lambda runs Node 22).`,
    "",
  ].join("\n");
}
