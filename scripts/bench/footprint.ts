import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { bytes, fmt, log, median, quantile } from "./format.js";

/** Footprint: each function's bundle, its deployment zip and how long it takes to load. */

const root = resolve(import.meta.dirname, "../..");

export interface Footprint {
  name: string;
  bytes: number;
  /** The deployment package `osls package` builds, when it could run. */
  zipBytes: number | undefined;
  gzipBytes: number;
  /** The linked source map esbuild writes when asked (not shipped: see serverless.yml). */
  mapBytes: number;
  loadWithSdkMs: number;
  loadWithSdkP95Ms: number;
  /** Cold load with the linked map beside the bundle and `--enable-source-maps`. */
  mapsMs: number;
  mapsP95Ms: number;
  loadAloneMs: number;
  processMs: number;
}

/** Targets of issue 13: bundle and zip sizes, cold module load (median). */
export const FOOTPRINT_TARGETS = { bundleBytes: 300_000, zipBytes: 350_000, coldLoadMs: 100 };

const LOADS = 21;
// The SDK clients every bundle requires at cold start. The SSM and Lambda clients are
// required on first use (adapters/ssm-sdk.ts, lambda-sdk.ts), so they are not in the cold
// figure; test/integration/bundle-load.test.ts checks that a bundle loads only these.
const SDK = ["@aws-sdk/client-dynamodb", "@aws-sdk/lib-dynamodb"];

/** Runs `script` in a fresh `node` process and returns what it prints (a number). */
function freshNode(script: string, nodeOptions = ""): { printed: number; wallMs: number } {
  const t = performance.now();
  const res = spawnSync(process.execPath, ["-e", script], {
    env: { ...process.env, NODE_PATH: join(root, "node_modules"), NODE_OPTIONS: nodeOptions },
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
  /** esbuild's metafile of each bundle, by function name (for docs/bundle-size.md). */
  metafiles: Map<string, Metafile>;
  sdkMs: number;
  nodeMs: number;
}

/** The options serverless.yml gives serverless-esbuild for every function. */
export async function bundle(
  entry: string,
  outfile: string,
  sourcemap: boolean,
): Promise<Metafile> {
  const res = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    keepNames: true,
    sourcemap: sourcemap ? "linked" : false,
    target: "node22",
    platform: "node",
    format: "cjs",
    external: ["@aws-sdk/*"],
    metafile: true,
    logLevel: "error",
  });
  return res.metafile;
}

const timedRequire = (outfile: string, preload: string[]) =>
  `${preload.map((m) => `require(${JSON.stringify(m)});`).join("")}const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;

interface Built {
  name: string;
  outfile: string;
  /** The same bundle with its linked source map beside it. */
  mapped: string;
}

/** Fresh-process load samples, round-robin over every measurement. */
function sampleLoads(bundles: Built[]): Map<string, { printed: number; wallMs: number }[]> {
  const sdkOnly = `const t=process.hrtime.bigint();${SDK.map((m) => `require(${JSON.stringify(m)});`).join("")}process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  // Round-robin, so a burst of load elsewhere on the machine lands on all of them alike
  // instead of on one function.
  const samples = new Map<string, { printed: number; wallMs: number }[]>();
  const record = (key: string, script: string, nodeOptions = "") => {
    const list = samples.get(key) ?? [];
    list.push(freshNode(script, nodeOptions));
    samples.set(key, list);
  };
  log(`footprint: ${LOADS} rounds of fresh node processes`);
  for (let round = 0; round < LOADS; round++) {
    for (const b of bundles) {
      record(`${b.name}:sdk`, timedRequire(b.outfile, []));
      record(`${b.name}:maps`, timedRequire(b.mapped, []), "--enable-source-maps");
      record(`${b.name}:alone`, timedRequire(b.outfile, SDK));
    }
    record("sdk", sdkOnly);
    record("empty", "process.stdout.write('0')");
  }
  return samples;
}

/**
 * The handler files of serverless.yml's functions. The task worker (src/handlers/task.ts)
 * is not a Lambda function: it is an ES module for the container, sized by build-worker.
 */
function lambdaHandlers(): string[] {
  const yml = readFileSync(join(root, "serverless.yml"), "utf8");
  const files = [...yml.matchAll(/^\s+handler: src\/handlers\/(\w+)\.handler$/gm)].map(
    (m) => `${m[1]}.ts`,
  );
  if (files.length === 0) throw new Error("no handler: lines found in serverless.yml");
  return files.sort();
}

export async function footprint(): Promise<FootprintResult> {
  const out = mkdtempSync(join(tmpdir(), "ampa-bench-bundles-"));
  const zips = packageZips();
  try {
    const handlers = lambdaHandlers();
    const bundles: Built[] = [];
    const metafiles = new Map<string, Metafile>();
    for (const file of handlers) {
      const name = basename(file, ".ts");
      log(`footprint: building ${name}`);
      const entry = join(root, "src/handlers", file);
      const b = {
        name,
        outfile: join(out, `${name}.cjs`),
        mapped: join(out, `${name}.mapped.cjs`),
      };
      metafiles.set(name, await bundle(entry, b.outfile, false));
      await bundle(entry, b.mapped, true);
      bundles.push(b);
    }
    const samples = sampleLoads(bundles);
    const printed = (key: string, q = 0.5) =>
      quantile(
        (samples.get(key) ?? []).map((r) => r.printed),
        q,
      );
    const wall = (key: string) => median((samples.get(key) ?? []).map((r) => r.wallMs));
    return {
      functions: bundles.map((b) => ({
        name: b.name,
        bytes: statSync(b.outfile).size,
        zipBytes: zips.get(b.name),
        gzipBytes: gzipSync(readFileSync(b.outfile)).length,
        mapBytes: statSync(`${b.mapped}.map`).size,
        loadWithSdkMs: printed(`${b.name}:sdk`),
        loadWithSdkP95Ms: printed(`${b.name}:sdk`, 0.95),
        mapsMs: printed(`${b.name}:maps`),
        mapsP95Ms: printed(`${b.name}:maps`, 0.95),
        loadAloneMs: printed(`${b.name}:alone`),
        processMs: wall(`${b.name}:sdk`),
      })),
      metafiles,
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
    `Each function is bundled by esbuild with the options \`serverless.yml\` gives serverless-esbuild (bundle, minify, keepNames, CommonJS, target node22, platform node, no source map), with \`@aws-sdk/*\` **external**: the \`nodejs22.x\` Lambda runtime provides AWS SDK v3, so it is not in the bundle. The deployment zips are the ones \`osls package\` built in this run (as \`.ci/run\` does). Load time is \`require()\` of the bundle in a fresh \`node\` process, ${LOADS} processes each: with the SDK resolved from \`node_modules\` (as the runtime resolves its own copy — the honest cold figure), with the linked source map beside the bundle and \`NODE_OPTIONS=--enable-source-maps\` (the alternative not shipped), and with the SDK already loaded (the bundle's own cost). What the bundles contain: [bundle-size.md](bundle-size.md).`,
    "",
    "| function | bundle | gzip | deployment zip (`osls package`) | source map (not shipped) | cold load incl. SDK (median / p95) | with map + `--enable-source-maps` (median / p95) | bundle alone, SDK preloaded (median) | whole process, spawn to exit (median) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...fp.functions.map(
      (f) =>
        `| ${f.name} | ${bytes(f.bytes)} | ${bytes(f.gzipBytes)} | ${f.zipBytes === undefined ? "not measured" : bytes(f.zipBytes)} | ${bytes(f.mapBytes)} | ${fmt(f.loadWithSdkMs)} / ${fmt(f.loadWithSdkP95Ms)} ms | ${fmt(f.mapsMs)} / ${fmt(f.mapsP95Ms)} ms | ${fmt(f.loadAloneMs)} ms | ${fmt(f.processMs, 0)} ms |`,
    ),
    "",
    `The SSM and Lambda clients are required on their first use (a secret read, a dispatch), not at cold start. Loading the two DynamoDB clients every function needs takes ${fmt(fp.sdkMs)} ms alone (median): the floor of the cold load, which is timed inside the process and so excludes Node's own start; an empty \`node -e\` process takes ${fmt(fp.nodeMs, 0)} ms from spawn to exit. Measured under Node ${process.version} (Lambda runs Node 22).`,
    "",
  ].join("\n");
}
