import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock, lockPath, readLock } from "../../src/lib/local/lock.js";

const storeDir = () => join(mkdtempSync(join(tmpdir(), "ampa-lock-")), "data");

describe("local store lock", () => {
  it("publishes the endpoint and local inbox of its holder, and refuses a second holder", () => {
    const dir = storeDir();
    const lock = acquireLock(dir, "npm-start");
    lock.publish("http://127.0.0.1:1234", "http://127.0.0.1:8025/api/webhooks/0/local-inbox");
    expect(readLock(dir)).toMatchObject({
      pid: process.pid,
      owner: "npm-start",
      endpoint: "http://127.0.0.1:1234",
      webhook: "http://127.0.0.1:8025/api/webhooks/0/local-inbox",
    });
    expect(() => acquireLock(dir, "cli")).toThrow(/is in use by `npm start`/);
    lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);
  });

  it("takes over a lock whose process is gone", () => {
    const dir = storeDir();
    const dead = spawnSync("true").pid;
    acquireLock(dir, "cli").release();
    writeFileSync(
      lockPath(dir),
      JSON.stringify({ pid: dead, endpoint: "", owner: "cli", startedAt: "" }),
    );
    expect(readLock(dir)).toBeUndefined();
    const lock = acquireLock(dir, "cli");
    expect(readLock(dir)?.pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock whose process was killed but not reaped (a zombie)", async () => {
    const dir = storeDir();
    // `sleep 0` exits at once; its parent becomes `sleep 5`, which never reaps it.
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 5"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const zombie = await new Promise<number>((r) =>
      parent.stdout.once("data", (c: Buffer) => r(Number(c.toString().trim()))),
    );
    try {
      for (let i = 0; i < 50 && !/\) Z/.test(readStat(zombie)); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(readStat(zombie)).toMatch(/\) Z/);
      writeFileSync(
        lockPath(dir),
        JSON.stringify({ pid: zombie, endpoint: "", owner: "npm-start", startedAt: "" }),
      );
      expect(readLock(dir)).toBeUndefined();
      acquireLock(dir, "cli").release();
    } finally {
      parent.kill("SIGKILL");
    }
  });
});

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "";
  }
}
