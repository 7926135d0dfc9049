import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "ampa-serverless";

/**
 * The version in the project's package.json, found by walking up from this file: the CLI
 * runs from its sources or from a bundle of them under .ampa/cli (bin/cli-bundle.mjs), so
 * the walk must not depend on how deep this file sits or on the working directory.
 */
export function cliVersion(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const version = packageVersion(join(dir, "package.json"));
    if (version) return version;
    if (dirname(dir) === dir) return "unknown";
  }
}

function packageVersion(file: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
    return pkg.name === PACKAGE_NAME && typeof pkg.version === "string" ? pkg.version : undefined;
  } catch {
    return undefined; // no package.json here, or not ours: keep walking
  }
}
