import type { CommandSpec } from "../command.js";
import type { Store } from "../store/store.js";

/**
 * What `npm start` puts in an empty store: nothing a newcomer lacks. With the default
 * 60 s global minimum only one command starts per minute, so the heartbeat is kept
 * infrequent enough for `date` to run (nearly) every minute.
 */
export const EXAMPLE_COMMANDS: CommandSpec[] = [
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
    frequencyMinutes: 10,
    priority: 0,
    requiresLlm: false,
    metadata: {},
    maxRuntimeMinutes: 1,
    paused: false,
  },
];

/** Adds the examples when the store has no commands at all. Returns the ids added. */
export async function seedExamplesIfEmpty(store: Store, now: number): Promise<string[]> {
  const { commands, corrupt } = await store.listCommands();
  if (commands.length > 0 || corrupt.length > 0) return [];
  for (const spec of EXAMPLE_COMMANDS) await store.addCommand(spec, now);
  return EXAMPLE_COMMANDS.map((c) => c.id);
}
