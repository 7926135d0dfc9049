// Loads the CLI, and the local task worker (bin/task-worker.mjs), from one bundle instead of
// through tsx: tsx resolves and transforms each of their ~150 source files on every start,
// which costs about half a second per command (1.3 CPU-s more per local task run). Its dependencies are bundled with it, but for a few (EXTERNAL). The bundle is
// built on the first run after any source file, the installed dependencies or this file
// changed (esbuild, ~1 s), into .ampa/cli/<stamp>/, and reused until they change again. It
// is split at dynamic imports, so what the CLI loads on first use (the SSM, ECS and Lambda
// clients) stays out of every other command's start.
// Where it cannot be built or written (a read-only checkout), the CLI runs through tsx.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCES = join(ROOT, "src");
/** The bundle's entry points: the CLI, and the task worker as `npm start` runs it. */
const ENTRIES = { main: join(SOURCES, "cli/main.ts"), task: join(SOURCES, "handlers/task.ts") };
export const BUNDLE_DIR = join(ROOT, ".ampa/cli");
/** Loaded from node_modules at run time rather than bundled (see build). */
export const EXTERNAL = ["dynalite", "esbuild", "tsx"];

/** Every file under `dir`, recursively. */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/**
 * What the bundle is built from, beyond the sources: this file (the build's options) and
 * the installed dependencies, which npm records in node_modules/.package-lock.json.
 */
const INPUTS = [import.meta.filename, join(ROOT, "node_modules/.package-lock.json")];

/**
 * Names the state of the sources and the other inputs: any file added, removed, resized or
 * touched changes it.
 */
export function sourceStamp() {
  const hash = createHash("sha256");
  for (const file of [...files(SOURCES).sort(), ...INPUTS.filter((f) => existsSync(f))]) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(ROOT, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest("hex").slice(0, 16);
}

async function build(dir) {
  const { build: esbuild } = await import("esbuild");
  mkdirSync(BUNDLE_DIR, { recursive: true, mode: 0o700 });
  // Built beside its final name and renamed, so a CLI started meanwhile never loads half of it.
  // Created exclusively under a random name: esbuild never writes through a planted symlink.
  const partial = mkdtempSync(`${dir}.partial-`);
  try {
    await esbuild({
      entryPoints: ENTRIES,
      outdir: partial,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      splitting: true,
      platform: "node",
      format: "esm",
      target: "node20",
      // The pure-JS dependencies are bundled too: resolving and reading their hundreds of
      // files from node_modules cost about a fifth of every start. External stay what is
      // not plain JS or is found relative to its own files: dynalite (LevelDB, native),
      // esbuild and tsx.
      external: EXTERNAL,
      // The ES module builds of the AWS SDK (its "module" entry points) rather than its
      // CommonJS ones: esbuild drops what the CLI never calls, so a start loads about 1.3 MB
      // of JS instead of 2 MB (0.45 instead of 0.52 CPU-s for an `add`).
      conditions: ["module"],
      mainFields: ["module", "main"],
      // Bundled CommonJS calls `require` (for Node's built-ins), which ESM lacks.
      banner: {
        js: 'import { createRequire as __ampaRequire } from "node:module"; const require = __ampaRequire(import.meta.url);',
      },
      logLevel: "silent",
    });
    try {
      renameSync(partial, dir);
    } catch (err) {
      // Another CLI built the same sources first: use its copy.
      if (!Object.keys(ENTRIES).every((name) => existsSync(join(dir, `${name}.mjs`)))) throw err;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  // Bundles of earlier sources are not started again, but a CLI still running from one (a
  // dashboard, an inbox) may yet load its chunks: remove them only after a day.
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of readdirSync(BUNDLE_DIR)) {
    const path = join(BUNDLE_DIR, name);
    try {
      if (path !== dir && statSync(path).mtimeMs < dayAgo)
        rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another CLI meanwhile.
    }
  }
}

/** The bundled module of `entry` (a key of ENTRIES), built if needed; undefined where it cannot be. */
async function bundled(entry) {
  try {
    const dir = join(BUNDLE_DIR, sourceStamp());
    const file = join(dir, `${entry}.mjs`);
    if (!existsSync(file)) await build(dir);
    return pathToFileURL(file).href;
  } catch {
    return undefined; // No esbuild, no write access: run the sources.
  }
}

/** Imports `entry` from the bundle of the current sources, or its source through tsx. */
async function load(entry) {
  const module = await bundled(entry);
  if (module) return import(module);
  const { register } = await import("tsx/esm/api");
  register();
  return import(pathToFileURL(ENTRIES[entry]).href);
}

/** The CLI's `main`, from the bundle of the current sources, or through tsx. */
export async function loadCli() {
  return (await load("main")).main;
}

/** Runs the task worker (src/handlers/task.ts: it runs on import and exits with its code). */
export async function runTaskWorker() {
  await load("task");
}
