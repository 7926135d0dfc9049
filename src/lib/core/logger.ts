import type { Logger as PinoLogger } from "pino";

/**
 * The structured logger every layer writes to. The type is pino's (the runtime creates
 * it, see runtime/log.ts); the core names it so use cases need not know who made it.
 */
export type Logger = PinoLogger;

/** Narrows an unknown thrown value to an Error so its message can be used. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
