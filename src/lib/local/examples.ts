import { exampleCommands } from "../app/commands/registry.js";
import type { Store } from "../adapters/dynamodb/store.js";

export { exampleCommands } from "../app/commands/registry.js";

/**
 * Adds what `npm start` puts in an empty store, when it has no commands at all: nothing a
 * newcomer lacks. Each type's module gives its examples (app/commands): a heartbeat every
 * AMPA_HEARTBEAT_MINUTES (1) and `date` every minute. With the default 60 s global
 * minimum only one command starts per minute, so the two share the minutes (each about
 * every 2 minutes); the heartbeat goes first. Returns the ids added.
 */
export async function seedExamplesIfEmpty(
  store: Store,
  now: number,
  heartbeatMinutes: number,
): Promise<string[]> {
  const { commands, corrupt } = await store.listCommands();
  if (commands.length > 0 || corrupt.length > 0) return [];
  const examples = exampleCommands(heartbeatMinutes);
  for (const spec of examples) await store.addCommand(spec, now);
  return examples.map((c) => c.id);
}
