// The local stack's guard, started by scripts/start.ts in a process group of its own with a
// pipe from it on stdin. serverless-offline and the commands it runs live in process groups
// of their own, so when `npm start` dies without stopping them (kill -9, an OOM kill, a kill
// of its process group) they would live on: keeping the HTTP and Lambda ports, so the next
// `npm start` cannot start, and running commands against a store that is gone. When the pipe
// closes, this stops them. A normal stop ends the guard first (SIGTERM).
import { descendantProcessGroups, killGroups } from "../src/lib/local/processes.js";

const offlinePid = Number(process.argv[2]);
const COMMAND_GRACE_MS = 3_000;

let stopping = false;
function stopStack(): void {
  if (stopping) return;
  stopping = true;
  if (!Number.isInteger(offlinePid) || offlinePid <= 1) process.exit(0);
  // Frozen, serverless-offline starts nothing more while its commands are looked up; the
  // store it would write to is gone with `npm start`, so it is killed outright.
  killGroups([offlinePid], "SIGSTOP");
  const commands = descendantProcessGroups(offlinePid);
  killGroups([offlinePid], "SIGKILL");
  killGroups(commands, "SIGTERM");
  process.stderr.on("error", () => {});
  process.stderr.write(
    `[ampa] npm start is gone: stopped serverless-offline (pid ${offlinePid}) and ${commands.length} running command(s)\n`,
  );
  setTimeout(() => {
    killGroups(commands, "SIGKILL");
    process.exit(0);
  }, COMMAND_GRACE_MS);
}

// Nothing is ever written to the pipe: its end (or an error on it) means `npm start` died.
process.stdin.on("data", () => {});
process.stdin.on("end", stopStack);
process.stdin.on("close", stopStack);
process.stdin.on("error", stopStack);
process.stdin.resume();
