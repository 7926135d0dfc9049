import { randomUUID } from "node:crypto";
import {
  chmodSync,
  constants,
  fchmodSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Files AMPA keeps beside its local store (`.ampa/`): the lock with the store's key,
 * worker records and logs. Only their owner may read them, and none is ever written
 * through a planted symlink or at a name another user could guess and occupy first.
 */

/**
 * Creates `dir` and its missing parents 0700. An existing `.ampa` is narrowed to 0700 (it
 * is ours); any other existing folder (the operator may name their own) is left as it is.
 */
export function ownDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (basename(dir) === ".ampa") chmodSync(dir, 0o700);
}

/** A folder wholly AMPA's (the store, the workers' logs): created or narrowed to 0700. */
export function privateDir(path: string): void {
  ownDir(dirname(path));
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/**
 * A new 0600 file beside `path` with a random name, created exclusively (an existing
 * file or symlink there fails the write instead of being followed). Returns its name.
 */
export function writeAside(path: string, text: string, mode = 0o600): string {
  const aside = `${path}.${randomUUID()}.tmp`;
  writeFileSync(aside, text, { flag: "wx", mode });
  return aside;
}

/** Replaces `path` with `text` in one step (written aside, renamed): readers never see half. */
export function replaceFile(path: string, text: string, mode = 0o600): void {
  const aside = writeAside(path, text, mode);
  try {
    renameSync(aside, path);
  } catch (err) {
    rmSync(aside, { force: true });
    throw err;
  }
}

/** Opens `path` 0600 for appending; a symlink at `path` fails instead of being followed. */
export function openPrivateLog(path: string): number {
  const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW } = constants;
  const fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600);
  // One left by an older version may be 0644.
  fchmodSync(fd, 0o600);
  return fd;
}
