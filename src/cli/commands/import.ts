import { closeSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import type { Command as Program } from "commander";
import { applyImport, planImport } from "../../lib/app/python-store/import.js";
import { parsePythonStore } from "../../lib/app/python-store/parse.js";
import { printable } from "../format.js";
import { checkCommandCap, importTooLargeError } from "../../lib/core/limits.js";
import { AmpaError, InvalidInputError } from "../../lib/core/errors.js";
import { asError } from "../../lib/core/logger.js";
import { readEnvironment } from "../../lib/runtime/config.js";
import { readLimits } from "../../lib/runtime/limits.js";
import { EXIT } from "../exit-codes.js";
import { CliExit, JSON_FLAG, out, outJson, withTarget } from "../shared.js";
import { importJson, importSummary } from "../transfer.js";

/** `ampa import <file> [--dry-run]`: the Python daemon's JSON store into the table. */
export function registerImport(program: Program): void {
  program
    .command("import")
    .description("import the Python daemon's JSON store: commands, state, history, audit times")
    .argument(
      "<file>",
      "the Python daemon's store (AMPA_SCHEDULER_STORE), e.g. scheduler_store.json",
    )
    .option("--dry-run", "validate and show what would change; write nothing")
    .option(...JSON_FLAG)
    .action(async (file: string, flags: { dryRun?: boolean; json?: boolean }) => {
      const limits = readLimits(readEnvironment());
      const text = readBoundedInput(file, "store file", limits.maxImportBytes);
      await withTarget(program, async ({ app, description }) => {
        const parsed = parsePythonStore(text, {
          maxOutputBytes: app.config.maxOutputBytes,
          source: basename(file),
        });
        // A file over the cap on its own is refused before planning (one read per command).
        checkCommandCap(0, parsed.commands.length, limits.maxCommands);
        const plan = await planImport(app.store, parsed, {
          maxRunHistory: app.config.maxRunHistory,
          now: Date.now(),
        });
        const added = plan.commands.filter((c) => c.action === "new").length;
        checkCommandCap(await app.store.countCommands(), added, limits.maxCommands);
        if (!flags.dryRun) await applyImport(app.store, plan);
        const opts = {
          file,
          target: description,
          dryRun: Boolean(flags.dryRun),
          maxRunHistory: app.config.maxRunHistory,
        };
        if (flags.json) outJson(importJson(plan, opts));
        else out(printable(importSummary(plan, opts)));
        // The rest is imported; a command left out fails the verb, as the summary says.
        if (plan.errors.length > 0) throw new CliExit(EXIT.failure);
      });
    });
}

/**
 * The file's text, read up to `maxBytes`: one byte more and it is refused before anything
 * is parsed (a pipe or a growing file has no size to check up front).
 */
function readBoundedInput(file: string, what: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    throw new InvalidInputError(`Cannot read ${what} ${file}: ${asError(err).message}`);
  }
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      length += n;
      if (length > maxBytes) throw importTooLargeError(file, maxBytes);
    }
    return Buffer.concat(chunks).toString("utf8");
  } catch (err) {
    if (err instanceof AmpaError) throw err;
    throw new InvalidInputError(`Cannot read ${what} ${file}: ${asError(err).message}`);
  } finally {
    closeSync(fd);
  }
}
