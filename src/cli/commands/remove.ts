import type { Command as Program } from "commander";
import { idArgument, out, withTarget } from "../shared.js";

/** `ampa remove <id>`: the command and its run history. */
export function registerRemove(program: Program): void {
  program
    .command("remove")
    .description("remove a command and its run history")
    .argument("<id>")
    .action(async (id: string) => {
      const key = idArgument(id);
      await withTarget(program, ({ app }) => app.store.removeCommand(key));
      out(`Removed ${id}`);
    });
}
