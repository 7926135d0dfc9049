import { spawn } from "node:child_process";
import {
  liveWorkers,
  removeWorkerRecord,
  type WorkerRecord,
  workerAlive,
} from "../adapters/process/worker-records.js";
import { descendantProcessGroups, killGroups } from "./processes.js";

/**
 * Stops the local task workers recorded under `dir` (`.ampa/workers`): SIGTERM, so each
 * kills its program and records its run `abandoned` while it still holds the lease
 * (containers get `docker stop`, which sends the same); whatever still runs after
 * `graceMs` is killed with its programs. Resolves with the number of workers stopped.
 */
export async function stopWorkers(dir: string, graceMs: number): Promise<WorkerRecord[]> {
  const workers = liveWorkers(dir);
  const processes = workers.filter((w) => w.kind === "process");
  for (const w of processes) signal(w.pid, "SIGTERM");
  const containers = workers.flatMap((w) =>
    w.kind === "container" && w.container ? [stopContainer(w.container, graceMs)] : [],
  );
  const until = Date.now() + graceMs;
  while (processes.some(workerAlive) && Date.now() < until)
    await new Promise((r) => setTimeout(r, 100));
  killWorkers(processes.filter(workerAlive));
  await Promise.all(containers);
  for (const w of workers) if (w.kind === "container") removeWorkerRecord(dir, w.runId);
  liveWorkers(dir); // Removes the records of the workers now gone.
  return workers;
}

/** SIGKILL of workers and of their programs' process groups (found before the kill). */
export function killWorkers(workers: readonly WorkerRecord[]): void {
  for (const w of workers) {
    const programs = descendantProcessGroups(w.pid);
    killGroups([w.pid], "SIGKILL");
    killGroups(programs, "SIGKILL");
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

function stopContainer(c: { id: string; program: string }, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const seconds = String(Math.max(Math.ceil(graceMs / 1000), 1));
    const child = spawn(c.program, ["stop", "-t", seconds, c.id], { stdio: "ignore" });
    child.once("error", () => resolve());
    child.once("exit", () => resolve());
  });
}
