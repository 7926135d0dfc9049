import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alive } from "../support/processes.js";
import { waitFor } from "../support/wait.js";

describe("a program AMPA runs dies with its runner", () => {
  it.each(["shell", "tool"])("%s: SIGKILL of the runner ends the program", async (mode) => {
    const pidFile = join(mkdtempSync(join(tmpdir(), "ampa-group-")), "pid");
    const worker = spawn(
      process.execPath,
      ["--import", "tsx", "test/support/group-worker.ts", mode, pidFile],
      { stdio: "ignore" },
    );
    const pid = await waitFor("the program's pid", () =>
      existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== ""
        ? Number(readFileSync(pidFile, "utf8"))
        : undefined,
    );
    expect(pid).toBeGreaterThan(1);
    expect(alive(pid)).toBe(true);
    worker.kill("SIGKILL");
    const gone = await waitFor("the program to end", () => !alive(pid)).catch(() => false);
    if (!gone) process.kill(pid, "SIGKILL");
    expect(gone).toBe(true);
  });
});
