import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");

/** What a packaging writes into its service folder, and so must not share. */
const WRITTEN = new Set([".serverless", ".esbuild", ".ampa", ".git", "serverless.yml"]);

/**
 * `osls package --stage ci` into `dir` (with `--param=…` for each of `params`); returns the
 * parsed CloudFormation template. Each packaging runs in a service folder of its own (a copy
 * of serverless.yml beside links to the project's files): osls clears and writes
 * `<service>/.serverless` whatever `--package` says, so two packagings of one folder at once
 * fail with ENOENT on serverless-state.json (seen when two test files packaged together).
 */
export async function packageTemplate<T>(dir: string, params: readonly string[] = []): Promise<T> {
  const service = mkdtempSync(join(ROOT, ".ampa", "package-"));
  try {
    for (const entry of readdirSync(ROOT))
      if (!WRITTEN.has(entry)) symlinkSync(join(ROOT, entry), join(service, entry));
    copyFileSync(join(ROOT, "serverless.yml"), join(service, "serverless.yml"));
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
      { cwd: service, timeout: 150_000 },
    ).catch((err: Error & { stdout?: string }) => {
      // osls prints its error on stdout; the rejection's message carries stderr only.
      throw new Error(`${err.message}\n${err.stdout ?? ""}`);
    });
  } finally {
    rmSync(service, { recursive: true, force: true });
  }
  return JSON.parse(
    readFileSync(join(dir, "cloudformation-template-update-stack.json"), "utf8"),
  ) as T;
}
