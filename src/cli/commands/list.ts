import type { Command as Program } from "commander";
import { commandTable, commandToJson } from "../format.js";
import { out, warnCorrupt, withTarget } from "../shared.js";

/** `ampa list [--json]`: every command with its schedule state, by id. */
export function registerList(program: Program): void {
  program
    .command("list")
    .description("list commands with their schedule state")
    .option("--json", "machine-readable output")
    .action(async (flags: { json?: boolean }) => {
      await withTarget(program, async ({ app }) => {
        const { commands, corrupt } = await app.store.listCommands();
        warnCorrupt(corrupt);
        commands.sort((a, b) => (a.id < b.id ? -1 : 1));
        out(
          flags.json
            ? JSON.stringify(commands.map(commandToJson), null, 2)
            : commandTable(commands, Date.now()),
        );
      });
    });
}
