import { linkSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { AmpaError } from "../core/errors.js";
import { type LockInfo, lockPath, readLock } from "../runtime/local-stack.js";

export { type LockInfo, lockPath, readLock } from "../runtime/local-stack.js";

const HOLDERS: Record<LockInfo["owner"], string> = {
  "npm-start": "`npm start`",
  dashboard: "`ampa dashboard`",
  cli: "another ampa command",
};

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
          `The local store ${resolve(storeDir)} is in use by ${HOLDERS[holder.owner]} (pid ${holder.pid}${holder.endpoint ? `, ${holder.endpoint}` : ""}). Stop it first, or point AMPA_SCHEDULER_STORE at another directory.`,
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
