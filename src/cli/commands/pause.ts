import type { Command as Program } from "commander";
import { ID_ARGUMENT, idArgument, JSON_FLAG, out, outJson, withTarget } from "../shared.js";

function pauseCommand(program: Program, name: "pause" | "resume", paused: boolean): void {
  program
    .command(name)
    .description(paused ? "stop scheduling a command" : "schedule a paused command again")
    .argument(...ID_ARGUMENT)
    .option(...JSON_FLAG)
    .action(async (id: string, flags: { json?: boolean }) => {
      const key = idArgument(id);
      await withTarget(program, ({ app }) => app.store.setPaused(key, paused));
      if (flags.json) outJson({ action: name === "pause" ? "paused" : "resumed", id, paused });
      else out(`${paused ? "Paused" : "Resumed"} ${id}`);
    });
}

/** `ampa pause <id>`: the scheduler skips the command until it is resumed. */
export function registerPause(program: Program): void {
  pauseCommand(program, "pause", true);
}

/** `ampa resume <id>`: a paused command is scheduled again. */
export function registerResume(program: Program): void {
  pauseCommand(program, "resume", false);
}
