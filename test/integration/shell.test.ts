import { testLogger } from "../support/logger.js";
import { mkdtempSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/lib/runtime/config.js";

import { shellRunner } from "../../src/lib/app/commands/shell/index.js";
import { runShell, TIMEOUT_EXIT_CODE } from "../../src/lib/adapters/process/shell.js";
import { command } from "../support/commands.js";
import { alive } from "../support/processes.js";

describe("shell runner", () => {
  it("runs in the configured AMPA_COMMAND_CWD", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ampa-cwd-"));
    const { config } = parseConfig({ AMPA_COMMAND_CWD: dir });
    const result = await shellRunner(runShell)(command("pwd", { command: "pwd" }), {
      config,
      commandId: "pwd",
      runId: "run-1",
      log: testLogger,
      clock: Date.now,
      signal: new AbortController().signal,
      deadline: Date.now() + 10_000,
    });
    expect(result).toMatchObject({ exitCode: 0, outcome: "success" });
    expect(result.output.trim()).toBe(realpathSync(dir));
  });

  it("combines stdout and stderr and reports the exit code", async () => {
    const result = await runShell("echo out; echo err >&2; exit 3", {
      cwd: tmpdir(),
      timeoutMs: 10_000,
      maxOutputBytes: 1024,
    });
    expect(result.exitCode).toBe(3);
    expect(result.output).toContain("out\n");
    expect(result.output).toContain("err\n");
  });

  it("kills the whole process group at max runtime", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ampa-kill-"));
    const pidFile = join(dir, "child.pid");
    const result = await runShell(`sleep 60 & echo $! > ${pidFile}; sleep 60`, {
      cwd: dir,
      timeoutMs: 500,
      maxOutputBytes: 1024,
      killGraceMs: 200,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(TIMEOUT_EXIT_CODE);
    expect(result.output).toContain("killed after exceeding max runtime");
    const backgroundPid = Number(readFileSync(pidFile, "utf8"));
    for (let i = 0; i < 20 && alive(backgroundPid); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(alive(backgroundPid)).toBe(false);
  });

  it("does not wait for a background child that keeps the output pipe open, and ends it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ampa-bg-"));
    const pidFile = join(dir, "bg.pid");
    const started = Date.now();
    const result = await runShell(`(sleep 5 & echo $! > ${pidFile}) ; echo done`, {
      cwd: dir,
      timeoutMs: 10_000,
      maxOutputBytes: 1024,
    });
    expect(result.exitCode).toBe(0);
    expect(result.output).toBe("done\n");
    expect(Date.now() - started).toBeLessThan(4000);
    // A run leaves nothing behind: the background sleep went with it.
    const backgroundPid = Number(readFileSync(pidFile, "utf8"));
    for (let i = 0; i < 20 && alive(backgroundPid); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(alive(backgroundPid)).toBe(false);
  });

  it("gives the command an empty stdin", async () => {
    const result = await runShell("cat; echo eof", {
      cwd: tmpdir(),
      timeoutMs: 5_000,
      maxOutputBytes: 1024,
    });
    expect(result).toMatchObject({ exitCode: 0, output: "eof\n", timedOut: false });
  });
});
