import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import { type SpecFlags, specFromArgs } from "../../src/cli/spec.js";

/**
 * Writes what `ampa add <id> <command> <frequency> <priority> [flags]` writes, in this
 * process: the CLI's own argument parsing, without its ~0.7 CPU-s spawn. For tests whose
 * subject is the command they then run, not `add`.
 */
export async function addAsCli(
  store: Pick<Store, "addCommand">,
  [id, command, frequency, priority]: [string, string, string, string],
  flags: SpecFlags = {},
): Promise<void> {
  const spec = specFromArgs(id, command, frequency, priority, flags);
  await store.addCommand({ ...spec, paused: false }, Date.now());
}

/** What `ampa update <id> …` writes (the definition; the schedule state is kept). */
export async function updateAsCli(
  store: Pick<Store, "updateCommand">,
  [id, command, frequency, priority]: [string, string, string, string],
  flags: SpecFlags = {},
): Promise<void> {
  await store.updateCommand(specFromArgs(id, command, frequency, priority, flags));
}

/** `add`'s options as typed after its four arguments (`--title`, `x`, `--requires-llm`, …). */
export function specFlags(options: string[]): SpecFlags {
  const names: Record<string, keyof SpecFlags> = {
    "--metadata": "metadata",
    "--max-runtime-minutes": "maxRuntimeMinutes",
    "--type": "type",
    "--title": "title",
    "--runtime": "runtime",
    "--active": "active",
    "--at": "at",
    "--tz": "tz",
  };
  const flags: SpecFlags = {};
  for (let i = 0; i < options.length; i++) {
    const option = options[i] ?? "";
    if (option === "--requires-llm") flags.requiresLlm = true;
    else if (names[option]) Object.assign(flags, { [names[option]]: options[++i] });
    else throw new Error(`specFlags: unknown option ${option}`);
  }
  return flags;
}
