import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { AmpaError } from "../errors.js";

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
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
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

/** Takes the lock or throws an AmpaError naming the holder. */
export function acquireLock(storeDir: string, owner: LockInfo["owner"]): HeldLock {
  const path = lockPath(storeDir);
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      const write = (endpoint: string) => {
        const info: LockInfo = {
          pid: process.pid,
          endpoint,
          owner,
          startedAt: new Date().toISOString(),
        };
        const body = Buffer.from(JSON.stringify(info));
        ftruncateSync(fd, 0);
        writeSync(fd, body, 0, body.length, 0);
      };
      write("");
      let released = false;
      return {
        publish: write,
        release: () => {
          if (released) return;
          released = true;
          closeSync(fd);
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
    }
  }
  throw new AmpaError(`Could not lock the local store ${resolve(storeDir)}`, "locked");
}
