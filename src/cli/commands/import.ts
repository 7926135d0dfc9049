import { basename } from "node:path";
import type { Command as Program } from "commander";
import { applyImport, planImport } from "../../lib/app/python-store/import.js";
import { parsePythonStore } from "../../lib/app/python-store/parse.js";
import { printable } from "../format.js";
import { JSON_FLAG, out, outJson, readInput, withTarget } from "../shared.js";
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
      const text = readInput(file, "store file");
      await withTarget(program, async ({ app, description }) => {
        const parsed = parsePythonStore(text, {
          maxOutputBytes: app.config.maxOutputBytes,
          source: basename(file),
        });
        const plan = await planImport(app.store, parsed, {
          maxRunHistory: app.config.maxRunHistory,
          now: Date.now(),
        });
        if (!flags.dryRun) await applyImport(app.store, plan);
        const opts = {
          file,
          target: description,
          dryRun: Boolean(flags.dryRun),
          maxRunHistory: app.config.maxRunHistory,
        };
        if (flags.json) outJson(importJson(plan, opts));
        else out(printable(importSummary(plan, opts)));
      });
    });
}
