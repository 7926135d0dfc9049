import { randomUUID } from "node:crypto";
import {
  accessSync,
  constants,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { InvalidInputError } from "../lib/core/errors.js";
import { asError } from "../lib/runtime/log.js";

/** A file the CLI writes (`--html`): checked before the work, written whole or not at all. */

/** The path's stat; undefined when nothing is there (or a folder on the way is a file). */
function statIfThere(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

/**
 * Refuses a path the CLI could not write, before any work is done: a folder, a missing
 * folder, one without write permission. Returns the path as given.
 */
export function checkOutputFile(file: string, option: string): string {
  const refuse = (why: string) => new InvalidInputError(`Cannot write ${option} ${file}: ${why}`);
  if (file.trim() === "") throw refuse("no file named");
  const path = resolve(file);
  const existing = statIfThere(path);
  if (existing?.isDirectory()) throw refuse("it is a folder");
  const folder = dirname(path);
  const parent = statIfThere(folder);
  if (!parent) throw refuse(`no folder ${folder}`);
  if (!parent.isDirectory()) throw refuse(`${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
    if (existing) accessSync(path, constants.W_OK);
  } catch {
    throw refuse("permission denied");
  }
  return file;
}

/**
 * Writes `text` beside `file` and renames it into place: a reader never sees half a
 * file, and a failed write leaves what was there before.
 */
export function writeOutputFile(file: string, text: string, option: string): void {
  // A random name, created exclusively: never written through a symlink planted there.
  const partial = `${file}.partial-${randomUUID()}`;
  try {
    writeFileSync(partial, text, { flag: "wx" });
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    // Checked before the work began: what fails now (a full disk) is not the caller's mistake.
    throw new Error(`Cannot write ${option} ${file}: ${asError(err).message}`, { cause: err });
  }
}
