// Loads the CLI from one bundled file instead of through tsx: tsx resolves and transforms
// each of the CLI's ~150 source files on every start, which costs about half a second per
// command. The bundle is built on the first run after any source file changed (esbuild,
// ~0.5 s), into .ampa/cli/<stamp of the sources>/, and reused until they change again. It
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
const ENTRY = join(SOURCES, "cli/main.ts");
export const BUNDLE_DIR = join(ROOT, ".ampa/cli");

/** Every file under `dir`, recursively. */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Names the state of the sources: any file added, removed, resized or touched changes it. */
export function sourceStamp() {
  const hash = createHash("sha256");
  for (const file of files(SOURCES).sort()) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(SOURCES, file)}\0${size}\0${mtimeMs}\n`);
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
      entryPoints: { main: ENTRY },
      outdir: partial,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      splitting: true,
      platform: "node",
      format: "esm",
      target: "node20",
      // Dependencies load from node_modules as they do under tsx.
      packages: "external",
      logLevel: "silent",
    });
    try {
      renameSync(partial, dir);
    } catch (err) {
      // Another CLI built the same sources first: use its copy.
      if (!existsSync(join(dir, "main.mjs"))) throw err;
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

/** The CLI's `main`, from the bundle of the current sources, or through tsx. */
export async function loadCli() {
  let bundle;
  try {
    const dir = join(BUNDLE_DIR, sourceStamp());
    bundle = join(dir, "main.mjs");
    if (!existsSync(bundle)) await build(dir);
  } catch {
    bundle = undefined; // No esbuild, no write access: run the sources.
  }
  if (bundle) return (await import(pathToFileURL(bundle).href)).main;
  const { register } = await import("tsx/esm/api");
  register();
  return (await import(pathToFileURL(ENTRY).href)).main;
}
