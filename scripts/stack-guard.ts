// The local stack's guard, started by scripts/start.ts in a process group of its own with a
// pipe from it on stdin. serverless-offline, the commands it runs and the task workers live
// in process groups of their own, so when `npm start` dies without stopping them (kill -9,
// an OOM kill, a kill of its process group) they would live on: keeping the HTTP and Lambda
// ports, so the next `npm start` cannot start, and running commands against a store that is
// gone. When the pipe closes, this stops them. A normal stop ends the guard first (SIGTERM).
// Args: serverless-offline's pid, the task workers' directory. npm start writes
// `offline <pid>` on the pipe when it starts serverless-offline again.
import { descendantProcessGroups, killGroups } from "../src/lib/local/processes.js";
import { killWorkers } from "../src/lib/local/workers.js";
import { liveWorkers } from "../src/lib/adapters/process/worker-records.js";

let offlinePid = Number(process.argv[2]);
const workersDir = process.argv[3];
const COMMAND_GRACE_MS = 3_000;

let stopping = false;
function stopStack(): void {
  if (stopping) return;
  stopping = true;
  // Workers: the store is gone with npm start, so they cannot record anything; SIGTERM
  // stops their programs, and the next npm start recovers their leases as abandoned.
  const workers = workersDir ? liveWorkers(workersDir).filter((w) => w.kind === "process") : [];
  for (const w of workers) killGroups([w.pid], "SIGTERM");
  const offline = Number.isInteger(offlinePid) && offlinePid > 1;
  let commands: number[] = [];
  if (offline) {
    // Frozen, serverless-offline starts nothing more while its commands are looked up; the
    // store it would write to is gone with `npm start`, so it is killed outright.
    killGroups([offlinePid], "SIGSTOP");
    const workerGroups = new Set(workers.map((w) => w.pid));
    commands = descendantProcessGroups(offlinePid).filter((g) => !workerGroups.has(g));
    killGroups([offlinePid], "SIGKILL");
    killGroups(commands, "SIGTERM");
  }
  process.stderr.on("error", () => {});
  process.stderr.write(
    `[ampa] npm start is gone: stopped serverless-offline (pid ${offlinePid}), ${commands.length} running command(s) and ${workers.length} task worker(s)\n`,
  );
  setTimeout(() => {
    killGroups(commands, "SIGKILL");
    killWorkers(workers);
    process.exit(0);
  }, COMMAND_GRACE_MS);
}

// npm start writes only `offline <pid>` lines; the pipe's end (or an error on it) means it died.
let pending = "";
process.stdin.on("data", (chunk: Buffer) => {
  pending += chunk.toString();
  for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
    const pid = /^offline (\d+)$/.exec(pending.slice(0, nl).trim())?.[1];
    if (pid) offlinePid = Number(pid);
    pending = pending.slice(nl + 1);
  }
});
process.stdin.on("end", stopStack);
process.stdin.on("close", stopStack);
process.stdin.on("error", stopStack);
process.stdin.resume();
