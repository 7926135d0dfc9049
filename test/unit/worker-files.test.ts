import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  processStartTime,
  pruneWorkerFiles,
  WORKER_FILES_KEPT_MS,
  writeWorkerRecord,
} from "../../src/lib/adapters/process/worker-records.js";

const DAY = 24 * 3600_000;

/** A file under `dir` last written `ageMs` before `now`. */
function fileAged(dir: string, name: string, now: number, ageMs: number): void {
  const path = join(dir, name);
  writeFileSync(path, "output\n");
  const at = (now - ageMs) / 1000;
  utimesSync(path, at, at);
}

describe("pruning local task workers' files", () => {
  it("removes the log and live output of runs over a week old, keeps newer ones and any live worker's", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ampa-workers-")), "workers");
    const now = Date.now();
    // A live worker (this process) whose files were last written long ago: a quiet run.
    writeWorkerRecord(dir, {
      runId: "live",
      commandId: "c",
      kind: "process",
      pid: process.pid,
      ...(processStartTime(process.pid) ? { pidStartTime: processStartTime(process.pid) } : {}),
      log: join(dir, "live.log"),
      startedAt: new Date(now - 30 * DAY).toISOString(),
    });
    for (const [run, age] of [
      ["live", 30 * DAY],
      ["old", WORKER_FILES_KEPT_MS + 60_000],
      ["recent", WORKER_FILES_KEPT_MS - 60_000],
    ] as const) {
      fileAged(dir, `${run}.log`, now, age);
      fileAged(dir, `${run}.out`, now, age);
    }
    fileAged(dir, "notes.txt", now, 30 * DAY);

    expect(pruneWorkerFiles(dir, now)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual([
      "live.json",
      "live.log",
      "live.out",
      "notes.txt",
      "recent.log",
      "recent.out",
    ]);
  });

  it("does nothing where there is no workers folder", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ampa-workers-")), "absent");
    expect(pruneWorkerFiles(dir, Date.now())).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
});
