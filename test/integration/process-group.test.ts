import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alive } from "../support/processes.js";

async function waitFor<T>(probe: () => T | undefined): Promise<T | undefined> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

describe("a program AMPA runs dies with its runner", () => {
  it.each(["shell", "tool"])("%s: SIGKILL of the runner ends the program", async (mode) => {
    const pidFile = join(mkdtempSync(join(tmpdir(), "ampa-group-")), "pid");
    const worker = spawn(
      process.execPath,
      ["--import", "tsx", "test/support/group-worker.ts", mode, pidFile],
      { stdio: "ignore" },
    );
    const pid = await waitFor(() =>
      existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== ""
        ? Number(readFileSync(pidFile, "utf8"))
        : undefined,
    );
    expect(pid).toBeGreaterThan(1);
    expect(alive(pid as number)).toBe(true);
    worker.kill("SIGKILL");
    const gone = await waitFor(() => (alive(pid as number) ? undefined : true));
    if (!gone) process.kill(pid as number, "SIGKILL");
    expect(gone).toBe(true);
  });
});
