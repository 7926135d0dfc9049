import type { Command } from "./command.js";

/**
 * What a tick reads of each command: the attributes selection, lease recovery and the
 * claim need, and nothing of the definition's free text (`command`, `metadata`, `title`,
 * up to ~273 KB an item), so the bytes a tick reads do not grow with them. The command
 * it starts is then read in full (getCommand) before it is claimed.
 */
export const SCHEDULE_FIELDS = [
  "id",
  "type",
  "runtime",
  "frequencyMinutes",
  "priority",
  "requiresLlm",
  "paused",
  "active",
  "at",
  "timeZone",
  "createdAt",
  "dueAt",
  "lastStartAt",
  "virtualFinish",
  "lastRunId",
  "leaseRunId",
  "leaseOwner",
  "leaseExpiresAt",
] as const satisfies readonly (keyof Command)[];

export type ScheduledCommand = Pick<Command, (typeof SCHEDULE_FIELDS)[number]>;
