import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * `osls package --stage ci` into `dir` (with `--param=…` for each of `params`), in a build
 * folder of its own so packagings in other files do not trip over it; returns the parsed
 * CloudFormation template. Takes about a minute: call it once per file, in beforeAll.
 */
export async function packageTemplate<T>(dir: string, params: readonly string[] = []): Promise<T> {
  const esbuildDir = `.ampa/esbuild-package-${process.pid}-${params.length}`;
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, "node_modules/osls/bin/serverless.js"),
        "package",
        "--stage",
        "ci",
        "--package",
        dir,
        ...params.map((p) => `--param=${p}`),
      ],
      { cwd: ROOT, env: { ...process.env, AMPA_ESBUILD_DIR: esbuildDir }, timeout: 150_000 },
    );
  } finally {
    rmSync(join(ROOT, esbuildDir), { recursive: true, force: true });
  }
  return JSON.parse(
    readFileSync(join(dir, "cloudformation-template-update-stack.json"), "utf8"),
  ) as T;
}
