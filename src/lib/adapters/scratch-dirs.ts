import { access, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunAs, ScratchDirs } from "../core/task-ports.js";

export interface ScratchDirsOptions {
  /** Name prefix of each directory (default `ampa-ws-`). */
  prefix?: string;
  /**
   * Each directory is handed to this user (chown; it stays 0700, as mkdtemp makes it):
   * the agent owns its workspace and nothing else. Throws EPERM when this process may
   * not chown (it needs root or CAP_CHOWN).
   */
  owner?: RunAs;
}

/** Workspace directories: `<prefix>XXXXXX` under `base` (default: the OS temp directory). */
export function scratchDirs(base: string = tmpdir(), opts: ScratchDirsOptions = {}): ScratchDirs {
  const { owner, prefix = "ampa-ws-" } = opts;
  const remove = (dir: string) =>
    // A clone holds read-only pack files: force, and retry a busy directory a few times.
    rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  return {
    create: async () => {
      const dir = await mkdtemp(join(base, prefix));
      if (!owner) return dir;
      try {
        await chown(dir, owner.uid, owner.gid);
        return dir;
      } catch (err) {
        await remove(dir);
        throw err;
      }
    },
    exists: (path) =>
      access(path).then(
        () => true,
        () => false,
      ),
    remove,
  };
}
