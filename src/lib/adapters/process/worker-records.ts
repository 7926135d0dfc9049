import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { privateDir, replaceFile } from "../private-files.js";

/**
 * A local task worker, as `.ampa/workers/<runId>.json` records it: enough for `npm start`
 * and its guard to find and stop it after the process that dispatched it is gone.
 */
export interface WorkerRecord {
  runId: string;
  commandId: string;
  /** `process`: a detached node process (its own group); `container`: docker/podman. */
  kind: "process" | "container";
  /** The worker's pid (process) or the container runtime's pid when it was started. */
  pid: number;
  /** The kernel's start time of `pid` (/proc), so a reused pid is not taken for it. */
  pidStartTime?: string;
  /** The container's id and the program that runs it (container). */
  container?: { id: string; program: string };
  log: string;
  startedAt: string;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // The state is field 3; fields after the name start there, so 22 is at index 19.
    return fields[0] === "Z" ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function writeWorkerRecord(dir: string, record: WorkerRecord): string {
  privateDir(dir);
  const path = join(dir, `${record.runId}.json`);
  // Written aside (0600, random name) and renamed: a reader never sees half a record.
  replaceFile(path, JSON.stringify(record));
  return path;
}

function parseRecord(text: string): WorkerRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<WorkerRecord>;
    if (typeof r.runId !== "string" || typeof r.pid !== "number" || !Number.isInteger(r.pid))
      return undefined;
    return r as WorkerRecord;
  } catch {
    return undefined;
  }
}

/** Whether the recorded process is still the one that was started (not a reused pid). */
export function workerAlive(record: WorkerRecord): boolean {
  if (record.kind === "container") return true;
  const start = processStartTime(record.pid);
  return (
    start !== undefined && (record.pidStartTime === undefined || start === record.pidStartTime)
  );
}

/**
 * The workers recorded under `dir` that still run; records of finished workers are
 * removed (their logs are kept). Containers are listed while their record exists.
 */
export function liveWorkers(dir: string): WorkerRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  const live: WorkerRecord[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let record: WorkerRecord | undefined;
    try {
      record = parseRecord(readFileSync(path, "utf8"));
    } catch {
      continue;
    }
    if (record && workerAlive(record)) live.push(record);
    else rmSync(path, { force: true });
  }
  return live;
}

export function removeWorkerRecord(dir: string, runId: string): void {
  rmSync(join(dir, `${runId}.json`), { force: true });
}

/** How long a finished local run's log and live output stay in `.ampa/workers`. */
export const WORKER_FILES_KEPT_MS = 7 * 24 * 3600_000;

/**
 * Removes the log and live output (`<runId>.log`, `<runId>.out`) of each run that ended
 * more than `keepMs` ago: last written before `now - keepMs` and named by no live
 * worker's record. `ampa logs` then shows what the run's record kept. Returns how many
 * files went.
 */
export function pruneWorkerFiles(dir: string, now: number, keepMs = WORKER_FILES_KEPT_MS): number {
  const live = new Set(liveWorkers(dir).map((w) => w.runId));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const run = /^(.+)\.(log|out)$/.exec(name)?.[1];
    if (!run || live.has(run)) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs >= now - keepMs) continue;
      rmSync(path, { force: true });
      removed++;
    } catch {
      // Removed meanwhile.
    }
  }
  return removed;
}
