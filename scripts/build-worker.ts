// `node --import tsx scripts/build-worker.ts [--entry <file>] [--outfile <file>]`: bundles
// the task worker (src/handlers/task.ts) into one ES module, dist/worker/task.mjs, for
// container/Dockerfile. The settings follow serverless-esbuild's in serverless.yml (node22,
// minified, names kept, no source map) but for a container: ESM, and the AWS SDK bundled
// (no Lambda runtime provides it there).
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
export const WORKER_ENTRY = resolve(ROOT, "src/handlers/task.ts");
export const WORKER_BUNDLE = resolve(ROOT, "dist/worker/task.mjs");

// CommonJS dependencies call require() for Node's modules: an ES module has none of its own.
const REQUIRE_SHIM =
  'import { createRequire as __ampaCreateRequire } from "node:module"; ' +
  "const require = __ampaCreateRequire(import.meta.url);";

export interface WorkerBuild {
  outfile: string;
  bytes: number;
}

/** Bundles `entry` into `outfile`; a missing entry is a clear error, not esbuild's. */
export async function buildWorker(
  entry: string = WORKER_ENTRY,
  outfile: string = WORKER_BUNDLE,
): Promise<WorkerBuild> {
  if (!existsSync(entry))
    throw new Error(`worker entry ${entry} does not exist (the task worker's main module)`);
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    minify: true,
    keepNames: true,
    sourcemap: false,
    banner: { js: REQUIRE_SHIM },
    metafile: true,
    logLevel: "warning",
  });
  // The metafile names outputs relative to the working directory.
  const output = Object.entries(result.metafile.outputs).find(
    ([file]) => resolve(file) === resolve(outfile),
  );
  return { outfile, bytes: output?.[1].bytes ?? 0 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { entry: { type: "string" }, outfile: { type: "string" } },
    strict: true,
  });
  const entry = values.entry ? resolve(values.entry) : WORKER_ENTRY;
  const outfile = values.outfile ? resolve(values.outfile) : WORKER_BUNDLE;
  const { bytes } = await buildWorker(entry, outfile);
  console.log(`worker bundle: ${outfile} (${(bytes / 1024).toFixed(0)} kB)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(`build-worker: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
