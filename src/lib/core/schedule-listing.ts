import type { CorruptItem } from "./ports.js";
import type { ScheduledCommand } from "./scheduled-command.js";

/** The tick's listing of every command (corrupt items come back in `corrupt`). */
export interface ScheduleListing {
  listForSchedule(): Promise<{ commands: ScheduledCommand[]; corrupt: CorruptItem[] }>;
}
