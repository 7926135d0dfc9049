import { linkSync, unlinkSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { AmpaError } from "../core/errors.js";
import { type LockInfo, lockPath, readLock } from "../runtime/local-stack.js";
import { ownDir, replaceFile, writeAside } from "../adapters/private-files.js";

export { type LockInfo, lockPath, readLock } from "../runtime/local-stack.js";

const HOLDERS: Record<LockInfo["owner"], string> = {
  "npm-start": "`npm start`",
  dashboard: "`ampa dashboard`",
  cli: "another ampa command",
};

export interface HeldLock {
  /** Records the endpoint, its key (and local inbox) once the servers listen. */
  publish(endpoint: string, webhook?: string, key?: string): void;
  release(): void;
}

/**
 * Takes the lock or throws an AmpaError naming the holder. The lock file appears with its
 * content in one step (written aside, then hard-linked into place), so no reader ever sees
 * it empty and takes it for stale. It carries the store's key: it is 0600 in a 0700 folder,
 * and every file of it is created exclusively under a random name (never through a symlink).
 */
export function acquireLock(storeDir: string, owner: LockInfo["owner"]): HeldLock {
  const path = lockPath(storeDir);
  ownDir(dirname(path));
  const startedAt = new Date().toISOString();
  const content = (endpoint: string, webhook?: string, key?: string) =>
    JSON.stringify({
      pid: process.pid,
      endpoint,
      owner,
      startedAt,
      ...(key ? { key } : {}),
      ...(webhook ? { webhook } : {}),
    } satisfies LockInfo);
  for (let attempt = 0; attempt < 2; attempt++) {
    const aside = writeAside(path, content(""));
    try {
      linkSync(aside, path);
      let released = false;
      return {
        publish: (endpoint, webhook, key) => replaceFile(path, content(endpoint, webhook, key)),
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
        // Linked into place (the lock keeps its content), or the link failed.
      }
    }
  }
  throw new AmpaError(`Could not lock the local store ${resolve(storeDir)}`, "locked");
}
