import { AmpaError } from "./errors.js";

/**
 * Caps that keep the scheduler bounded by design: how many commands a store may hold and
 * how large an import file may be. The values come from the settings (runtime/limits.ts).
 */
export interface Limits {
  /** Commands the store may hold (AMPA_MAX_COMMANDS). */
  maxCommands: number;
  /** Bytes an import file may have, checked before it is parsed (AMPA_MAX_IMPORT_BYTES). */
  maxImportBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxCommands: 1_000, maxImportBytes: 5 * 1024 * 1024 };

/** How many commands the store holds (a count, not a listing). */
export interface CommandCounter {
  countCommands(): Promise<number>;
}

/** A cap would be passed: nothing was written. */
export class LimitExceededError extends AmpaError {
  override readonly name = "LimitExceededError";
  constructor(message: string) {
    super(message, "invalid-input");
  }
}

/** Throws unless `existing + adding` commands fit the cap. */
export function checkCommandCap(existing: number, adding: number, maxCommands: number): void {
  if (existing + adding <= maxCommands) return;
  throw new LimitExceededError(
    `Nothing was written: ${adding} new command${adding === 1 ? "" : "s"} would make ` +
      `${existing + adding}, over the cap of ${maxCommands} commands (AMPA_MAX_COMMANDS; ` +
      `the store holds ${existing}). Remove commands or raise AMPA_MAX_COMMANDS.`,
  );
}

/** An import file over its cap, refused before it is parsed. */
export function importTooLargeError(file: string, maxImportBytes: number): LimitExceededError {
  return new LimitExceededError(
    `Nothing was imported: ${file} is larger than the cap of ${maxImportBytes} bytes ` +
      `(AMPA_MAX_IMPORT_BYTES). Raise AMPA_MAX_IMPORT_BYTES to import it.`,
  );
}
