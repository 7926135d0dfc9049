import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { AmpaError } from "../core/errors.js";

/**
 * One process at a time may open a local store directory (LevelDB underneath crashes a
 * second opener). The holder writes a lock file beside the directory with its pid and the
 * endpoint it serves, so others can talk to it instead of opening the directory.
 */
export interface LockInfo {
  pid: number;
  endpoint: string;
  owner: "npm-start" | "cli";
  startedAt: string;
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

export interface HeldLock {
  /** Records the endpoint (and local inbox) once the servers listen. */
  publish(endpoint: string, webhook?: string): void;
  release(): void;
}

/**
 * Takes the lock or throws an AmpaError naming the holder. The lock file appears with its
 * content in one step (written aside, then hard-linked into place), so no reader ever sees
 * it empty and takes it for stale.
 */
export function acquireLock(storeDir: string, owner: LockInfo["owner"]): HeldLock {
  const path = lockPath(storeDir);
  mkdirSync(dirname(path), { recursive: true });
  const startedAt = new Date().toISOString();
  const content = (endpoint: string, webhook?: string) =>
    JSON.stringify({
      pid: process.pid,
      endpoint,
      owner,
      startedAt,
      ...(webhook ? { webhook } : {}),
    } satisfies LockInfo);
  const aside = `${path}.${process.pid}.tmp`;
  for (let attempt = 0; attempt < 2; attempt++) {
    writeFileSync(aside, content(""));
    try {
      linkSync(aside, path);
      let released = false;
      return {
        publish: (endpoint, webhook) => {
          writeFileSync(aside, content(endpoint, webhook));
          renameSync(aside, path);
        },
        release: () => {
          if (released) return;
          released = true;
          if (readLock(storeDir)?.pid !== process.pid) return;
          try {
            unlinkSync(path);
          } catch {
            // Already gone.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = readLock(storeDir);
      if (holder) {
        throw new AmpaError(
          `The local store ${resolve(storeDir)} is in use by ${holder.owner === "npm-start" ? "`npm start`" : "another ampa command"} (pid ${holder.pid}${holder.endpoint ? `, ${holder.endpoint}` : ""}). Stop it first, or point AMPA_SCHEDULER_STORE at another directory.`,
          "locked",
        );
      }
      // Stale: its process is gone.
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first.
      }
    } finally {
      try {
        unlinkSync(aside);
      } catch {
        // Renamed into place by publish, or never written.
      }
    }
  }
  throw new AmpaError(`Could not lock the local store ${resolve(storeDir)}`, "locked");
}
