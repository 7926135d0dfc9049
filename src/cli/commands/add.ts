import { Option, type Command as Program } from "commander";
import { commandRuntime, commandTypes } from "../../lib/app/commands/registry.js";
import { checkCommandCap } from "../../lib/core/limits.js";
import { readEnvironment } from "../../lib/runtime/config.js";
import { readLimits } from "../../lib/runtime/limits.js";
import { type SpecFlags, specFromArgs } from "../spec.js";
import { commandToJson } from "../format.js";
import { JSON_FLAG, out, outJson, withTarget } from "../shared.js";

/** "task for delegation and triage-audit, function otherwise", from the registry. */
function runtimeDefaults(): string {
  const tasks = commandTypes().filter((type) => commandRuntime({ type }) === "task");
  return tasks.length ? `task for ${tasks.join(" and ")}, function otherwise` : "function";
}

/** `add` and `update` take the same arguments and options; they differ in what they write. */
function specCommand(program: Program, name: "add" | "update", description: string): void {
  program
    .command(name)
    .description(description)
    .argument("<id>", "command id (letters, digits, '.', '_', '-')")
    .argument("<command>", "shell command line (for type shell)")
    .argument("<frequency_minutes>", "desired minutes between starts (positive integer)")
    .argument("<priority>", "integer 0-1000; higher wins ties in lateness")
    .option("--requires-llm", "only run while the LLM health check passes")
    .option("--metadata <json>", "JSON object of type-specific settings")
    .option(
      "--agent <name>",
      "the agent a delegation or audit runs (metadata.agent; see `ampa agents`)",
    )
    .option("--max-runtime-minutes <n>", "kill the run after this many minutes")
    .addOption(new Option("--type <type>", "command type").choices(commandTypes()))
    .addOption(
      new Option(
        "--runtime <runtime>",
        "where runs execute: function (Lambda, <= 14 min) or task (container, <= 24 h); " +
          `default: ${runtimeDefaults()}`,
      ).choices(["function", "task"]),
    )
    .option("--title <title>", "human-facing title")
    .option(
      "--active <windows>",
      'when it may run, e.g. "Mon-Fri 09:00-18:00; Sat 22:00-02:00" (default: always)',
    )
    .option("--at <times>", 'start at these local times each day, e.g. "09:00,23:00"')
    .option("--tz <zone>", "IANA time zone of --active and --at (default: UTC)")
    .option(...JSON_FLAG)
    .action(
      async (
        id: string,
        command: string,
        frequency: string,
        priority: string,
        flags: SpecFlags & { json?: boolean },
      ) => {
        const spec = specFromArgs(id, command, frequency, priority, flags);
        const written = await withTarget(program, async ({ app }) => {
          if (name === "update") return app.store.updateCommand(spec);
          // The cap keeps every tick bounded (core/limits.ts); two racing adds may pass it by one.
          const { maxCommands } = readLimits(readEnvironment());
          checkCommandCap(await app.store.countCommands(), 1, maxCommands);
          await app.store.addCommand({ ...spec, paused: false }, Date.now());
          return flags.json ? app.store.getCommand(id) : undefined;
        });
        const action = name === "add" ? "added" : "updated";
        if (flags.json) outJson({ action, command: written ? commandToJson(written) : null });
        else out(`${name === "add" ? "Added" : "Updated"} ${id}`);
      },
    );
}

/** `ampa add <id> <command> <frequency_minutes> <priority> [options]`. */
export function registerAdd(program: Program): void {
  specCommand(program, "add", "add a command");
}

/** `ampa update …`: the arguments of `add`; the command's schedule state is kept. */
export function registerUpdate(program: Program): void {
  specCommand(program, "update", "replace an existing command's definition (state is kept)");
}
