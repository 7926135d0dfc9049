import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * The layer rules live in eslint.config.js. These plant a violation in the text of a real
 * module (linted under its own path, so imports resolve against the real tree) and check
 * that the rule reports it, and that the module as it stands is clean.
 */
const eslint = new ESLint({ cwd: resolve(import.meta.dirname, "../..") });

async function ruleIds(file: string, extraImport = ""): Promise<string[]> {
  const path = resolve(import.meta.dirname, "../..", file);
  const text = `${extraImport}${readFileSync(path, "utf8")}`;
  const [result] = await eslint.lintText(text, { filePath: path });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe("layer rules", () => {
  it("finds the real modules clean", async () => {
    expect(await ruleIds("src/lib/core/command.ts")).toEqual([]);
    expect(await ruleIds("src/lib/app/run.ts")).toEqual([]);
  });

  it("fails on an import cycle", async () => {
    // app/tick.ts imports app/run-protocol.ts: importing tick.ts back closes a cycle.
    const ids = await ruleIds(
      "src/lib/app/run-protocol.ts",
      'import { runTick } from "./tick.js";\nvoid runTick;\n',
    );
    expect(ids).toContain("import-x/no-cycle");
  });

  it("fails on an import cycle made of type-only imports", async () => {
    // TypeScript erases `import type`, so import-x/no-cycle skips it: ampa/no-import-cycle
    // follows it. app/tick.ts imports app/run-protocol.ts; run-protocol.ts importing a type
    // of tick.ts back closes a cycle.
    const ids = await ruleIds(
      "src/lib/app/run-protocol.ts",
      'import type { TickDeps } from "./tick.js";\nexport type _Planted = TickDeps;\n',
    );
    expect(ids).toContain("ampa/no-import-cycle");
    expect(ids).not.toContain("import-x/no-cycle");
  });

  it("fails when core imports anything outside core", async () => {
    const ids = await ruleIds(
      "src/lib/core/command.ts",
      'import { createLogger } from "../runtime/log.js";\nvoid createLogger;\n',
    );
    expect(ids).toContain("import-x/no-restricted-paths");
  });

  it("fails when a use case imports an adapter", async () => {
    const ids = await ruleIds(
      "src/lib/app/tick.ts",
      'import { createStore } from "../adapters/dynamodb/store.js";\nvoid createStore;\n',
    );
    expect(ids).toContain("import-x/no-restricted-paths");
  });
});
