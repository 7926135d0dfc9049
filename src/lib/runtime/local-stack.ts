import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * One process at a time may open a local store directory (LevelDB underneath crashes a
 * second opener). The holder writes a lock file beside the directory with its pid and the
 * endpoint it serves, so others can talk to it instead of opening the directory.
 */
export interface LockInfo {
  pid: number;
  endpoint: string;
  /** `dashboard`: a long-lived `ampa dashboard` that serves the store to other verbs too. */
  owner: "npm-start" | "cli" | "dashboard";
  startedAt: string;
  /** The key the store requires on every request (see local/store-guard.ts). */
  key?: string;
  /** The local Discord inbox of a running `npm start`, when it has one. */
  webhook?: string;
}

export function lockPath(storeDir: string): string {
  return `${resolve(storeDir)}.lock`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/**
 * A killed holder stays a zombie until its parent reaps it; after `kill -9` of npm start's
 * whole process group its parent is gone too, and under a PID 1 that does not reap (a
 * container without an init) that lasts forever. A zombie holds nothing (Linux /proc).
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

/** The live holder of the directory's lock, if any. Stale locks (dead pid) are ignored. */
export function readLock(storeDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath(storeDir), "utf8")) as LockInfo;
    return typeof info.pid === "number" && isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The local Discord application (local/discord-local.ts), beside the store directory:
 * `.ampa/discord-local.json` by default.
 */
export const localIdentityPath = (storeDir: string): string =>
  join(dirname(resolve(storeDir)), "discord-local.json");
