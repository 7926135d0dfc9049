// The Chromium that the dashboard's browser tests and its benchmark drive (playwright-core).
// A system browser is preferred (CHROMIUM_PATH, then Debian's or Google's); without one, the
// headless Chromium that the @sparticuz/chromium package ships inside itself, so `npm ci`
// is the only install step. Its binary is brotli-compressed: it is unpacked once into
// node_modules/.cache (about 200 MB, 10–15 s), and reused until the package changes.
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { type Browser, chromium } from "playwright-core";

export interface ChromiumInstall {
  executablePath: string;
  /** Where it came from, for messages: "CHROMIUM_PATH", "system" or "@sparticuz/chromium <v>". */
  source: string;
  /** Environment the browser needs beside the caller's (the packaged one's fonts). */
  env: Record<string, string>;
}

const SYSTEM_BROWSERS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];
const ROOT = resolve(import.meta.dirname, "..");

/** Starts a headless Chromium (the one chromiumInstall finds) for playwright-core. */
export async function launchChromium(): Promise<Browser> {
  const install = await chromiumInstall();
  return chromium.launch({
    executablePath: install.executablePath,
    // CI runs as root, where Chromium's sandbox refuses to start.
    args: ["--no-sandbox"],
    env: { ...process.env, ...install.env },
  });
}

/** Finds or unpacks a Chromium. Fails with what to do when there is none. */
export async function chromiumInstall(): Promise<ChromiumInstall> {
  const named = process.env.CHROMIUM_PATH;
  if (named) {
    if (!existsSync(named)) throw new Error(`CHROMIUM_PATH names ${named}, which does not exist`);
    return { executablePath: named, source: "CHROMIUM_PATH", env: {} };
  }
  const system = SYSTEM_BROWSERS.find((p) => existsSync(p));
  if (system) return { executablePath: system, source: "system", env: {} };
  return packagedChromium();
}

async function packagedChromium(): Promise<ChromiumInstall> {
  // The package exports only its entry (build/index.js), not its package.json.
  const entry = createRequire(join(ROOT, "package.json")).resolve("@sparticuz/chromium");
  const packageDir = dirname(dirname(entry));
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    version: string;
  };
  const cacheRoot = join(ROOT, "node_modules", ".cache", "ampa-chromium");
  const target = join(cacheRoot, version);
  if (!existsSync(join(target, "chromium"))) await unpack(entry, cacheRoot, target);
  return {
    executablePath: join(target, "chromium"),
    source: `@sparticuz/chromium ${version}`,
    env: { FONTCONFIG_FILE: fontConfig(target) },
  };
}

/**
 * The package's fonts.conf names /tmp/fonts, where it unpacks on Lambda: without a font it
 * can find, the browser lays text out with no width, and links are not clickable. This
 * one names the fonts where they were unpacked (Open Sans), and the system's if any.
 */
function fontConfig(target: string): string {
  const file = join(target, "ampa-fonts.conf");
  if (!existsSync(file)) {
    const xml = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      "<fontconfig>",
      `  <dir>${join(target, "fonts", "fonts")}</dir>`,
      "  <dir>/usr/share/fonts</dir>",
      `  <cachedir>${join(target, "fonts-cache")}</cachedir>`,
      "</fontconfig>",
      "",
    ].join("\n");
    // Written beside and renamed: a parallel reader never sees half of it.
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, xml);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Unpacks into a directory of its own, then renames it into place: test files running in
 * parallel may each unpack, the first rename wins and nobody sees a half-written binary.
 * The package unpacks into os.tmpdir(), so a child process does it with TMPDIR pointed at
 * that directory (this process's environment stays as it is).
 */
async function unpack(entry: string, cacheRoot: string, target: string): Promise<void> {
  mkdirSync(cacheRoot, { recursive: true });
  const staging = mkdtempSync(join(cacheRoot, "unpacking-"));
  try {
    const script = `import(${JSON.stringify(pathToFileURL(entry).href)}).then((m) => m.default.executablePath())`;
    await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TMPDIR: staging },
      timeout: 120_000,
    });
    if (!existsSync(join(staging, "chromium")))
      throw new Error(`@sparticuz/chromium did not unpack a binary into ${staging}`);
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process renamed its copy first: use that one.
      if (!existsSync(join(target, "chromium"))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
