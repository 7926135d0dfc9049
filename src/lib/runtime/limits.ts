import * as z from "zod";
import { DEFAULT_LIMITS, type Limits } from "../core/limits.js";
import { ConfigError } from "../core/errors.js";

/**
 * The caps' settings (core/limits.ts), kept out of config.ts. Environment (and `.env`,
 * see readEnvironment) → Limits; a value that does not parse stops the command with an
 * error naming it: a cap silently replaced by its default could let through what the
 * operator meant to refuse, or refuse what they meant to allow.
 */
export const LIMIT_VARIABLES = ["AMPA_MAX_COMMANDS", "AMPA_MAX_IMPORT_BYTES"] as const;

const count = z.coerce.number().int().positive();

export function readLimits(env: Readonly<Record<string, string | undefined>>): Limits {
  const read = (name: (typeof LIMIT_VARIABLES)[number], fallback: number): number => {
    const value = env[name]?.trim();
    if (!value) return fallback;
    const parsed = count.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new ConfigError(
      [name],
      [`${name}=${JSON.stringify(value)} is invalid (expected a positive integer)`],
    );
  };
  return {
    maxCommands: read("AMPA_MAX_COMMANDS", DEFAULT_LIMITS.maxCommands),
    maxImportBytes: read("AMPA_MAX_IMPORT_BYTES", DEFAULT_LIMITS.maxImportBytes),
  };
}
