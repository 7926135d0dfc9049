import { randomUUID } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import type { Command as Program } from "commander";
import { exportPythonStore, serializePythonStore } from "../../lib/app/python-store/export.js";
import { printable } from "../format.js";
import { redactSecrets } from "../../lib/core/secrets.js";
import { JSON_FLAG, outJson, withTarget, write } from "../shared.js";

/** `ampa export [--out <file>]`: the table in the Python daemon's JSON format. */
export function registerExport(program: Program): void {
  program
    .command("export")
    .description("write the store in the Python daemon's JSON format (ampa import reads it back)")
    .option("--out <file>", "write to this file instead of standard output")
    .option(...JSON_FLAG)
    .action(async (flags: { out?: string; json?: boolean }) => {
      const exported = await withTarget(program, ({ app }) => exportPythonStore(app.store));
      const count = Object.keys(exported.store.commands as object).length;
      if (!flags.json)
        for (const warning of exported.warnings)
          process.stderr.write(`ampa: ${printable(redactSecrets(warning))}\n`);
      // Run outputs recorded before redaction covered every encoding leave redacted too.
      const text = redactSecrets(serializePythonStore(exported.store));
      if (flags.out) {
        // Written beside the target and renamed: a reader never sees half a file.
        // A random name, created exclusively: never written through a planted symlink.
        const partial = `${flags.out}.partial-${randomUUID()}`;
        writeFileSync(partial, text, { flag: "wx" });
        renameSync(partial, flags.out);
      }
      const { warnings } = exported;
      if (flags.json)
        outJson({
          out: flags.out ?? null,
          commands: count,
          warnings,
          ...(flags.out ? {} : { store: exported.store }),
        });
      else if (flags.out) process.stderr.write(`Exported ${count} commands to ${flags.out}\n`);
      else write(text);
    });
}
