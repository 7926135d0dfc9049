import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScratchDirs } from "../core/task-ports.js";

/** Workspace directories: `ampa-ws-XXXXXX` under `base` (default: the OS temp directory). */
export function scratchDirs(base: string = tmpdir()): ScratchDirs {
  return {
    create: () => mkdtemp(join(base, "ampa-ws-")),
    exists: (path) =>
      access(path).then(
        () => true,
        () => false,
      ),
    // A clone holds read-only pack files: force, and retry a busy directory a few times.
    remove: (dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {}),
  };
}
