import type { Command as Program } from "commander";
import { commandTable, commandToJson } from "../format.js";
import { JSON_FLAG, out, outJson, warnCorrupt, withTarget } from "../shared.js";

/** `ampa list [--json]`: every command with its schedule state, by id. */
export function registerList(program: Program): void {
  program
    .command("list")
    .description("list commands with their schedule state")
    .option(...JSON_FLAG)
    .action(async (flags: { json?: boolean }) => {
      await withTarget(program, async ({ app }) => {
        const { commands, corrupt } = await app.store.listCommands();
        warnCorrupt(corrupt);
        commands.sort((a, b) => (a.id < b.id ? -1 : 1));
        if (flags.json) outJson(commands.map(commandToJson));
        else out(commandTable(commands, Date.now()));
      });
    });
}
