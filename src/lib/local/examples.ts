import type { CommandSpec } from "../core/command.js";
import type { Store } from "../adapters/dynamodb/store.js";

/**
 * What `npm start` puts in an empty store: nothing a newcomer lacks. A heartbeat every
 * AMPA_HEARTBEAT_MINUTES (1) and `date` every minute. With the default 60 s global
 * minimum only one command starts per minute, so the two share the minutes (each about
 * every 2 minutes); the heartbeat goes first.
 */
export function exampleCommands(heartbeatMinutes: number): CommandSpec[] {
  return [
    {
      id: "date",
      command: "date -u",
      title: "Date",
      type: "shell",
      frequencyMinutes: 1,
      priority: 0,
      requiresLlm: false,
      metadata: { discord_label: "date" },
      maxRuntimeMinutes: 1,
      paused: false,
    },
    {
      id: "heartbeat",
      command: "",
      title: "Scheduler Heartbeat",
      type: "heartbeat",
      frequencyMinutes: heartbeatMinutes,
      priority: 1,
      requiresLlm: false,
      metadata: {},
      maxRuntimeMinutes: 1,
      paused: false,
    },
  ];
}

/** Adds the examples when the store has no commands at all. Returns the ids added. */
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
