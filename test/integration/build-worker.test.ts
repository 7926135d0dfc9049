import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorker } from "../../scripts/build-worker.js";

const ROOT = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

// The real worker entry is another module's; a small stand-in inside the project (so its
// imports resolve as src/handlers/task.ts's would) proves the bundle is whole: the claim
// schema from src/lib and a CommonJS dependency (pino) that require()s Node's modules.
const entryDir = join(ROOT, `.ampa/worker-entry-${process.pid}`);
const entry = join(entryDir, "task.ts");
let outDir: string;

beforeAll(() => {
  mkdirSync(entryDir, { recursive: true });
  writeFileSync(
    entry,
    [
      'import { pino } from "pino";',
      'import { runClaimSchema } from "../../src/lib/core/run-record.js";',
      'const claim = runClaimSchema.parse(JSON.parse(process.env.AMPA_CLAIM ?? ""));',
      'pino().info({ commandId: claim.commandId, runId: claim.runId }, "claimed");',
      "",
    ].join("\n"),
  );
  outDir = mkdtempSync(join(tmpdir(), "ampa-worker-"));
});

afterAll(() => {
  rmSync(entryDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

describe("scripts/build-worker.ts", () => {
  it("bundles the entry into one ES module that runs with node alone, outside the project", async () => {
    const outfile = join(outDir, "task.mjs");
    const built = await buildWorker(entry, outfile);
    expect(built.bytes).toBeGreaterThan(0);
    const claim = {
      commandId: "agent",
      runId: "r-1",
      startedAt: 1,
      leaseExpiresAt: 2,
      trigger: "schedule",
    };
    // cwd outside the project: no node_modules to fall back on.
    const { stdout } = await run(process.execPath, [outfile], {
      cwd: outDir,
      env: { PATH: process.env.PATH, AMPA_CLAIM: JSON.stringify(claim) },
    });
    expect(JSON.parse(stdout)).toMatchObject({ msg: "claimed", commandId: "agent", runId: "r-1" });
  });

  it("says which entry is missing and exits 1", async () => {
    const missing = join(entryDir, "nope.ts");
    const failure = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/build-worker.ts",
        "--entry",
        missing,
        "--outfile",
        join(outDir, "x.mjs"),
      ],
      { cwd: ROOT },
    ).catch((err: unknown) => err as { code: number; stderr: string });
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain(
      `worker entry ${missing} does not exist`,
    );
  });
});
