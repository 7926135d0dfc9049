import type { Command as Program } from "commander";
import { ID_ARGUMENT, idArgument, JSON_FLAG, out, outJson, withTarget } from "../shared.js";

/** `ampa remove <id>`: the command and its run history. */
export function registerRemove(program: Program): void {
  program
    .command("remove")
    .description("remove a command and its run history")
    .argument(...ID_ARGUMENT)
    .option(...JSON_FLAG)
    .action(async (id: string, flags: { json?: boolean }) => {
      const key = idArgument(id);
      await withTarget(program, ({ app }) => app.store.removeCommand(key));
      if (flags.json) outJson({ action: "removed", id });
      else out(`Removed ${id}`);
    });
}
