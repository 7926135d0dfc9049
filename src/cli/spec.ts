import { COMMAND_TYPES, type CommandSpec, commandSpecSchema } from "../lib/core/command.js";
import { InvalidInputError } from "../lib/core/errors.js";

export interface SpecFlags {
  requiresLlm?: boolean;
  metadata?: string;
  maxRuntimeMinutes?: string;
  type?: string;
  title?: string;
}

/** The bad value for a message: quoted, escaped, and short even when the argument was 128 KiB. */
export function quoted(raw: string, max = 40): string {
  return JSON.stringify(raw.length > max ? `${raw.slice(0, max)}…` : raw);
}

function positiveIntegerArg(name: string, raw: string): number {
  // Past 2^53 the digits no longer name the number they parse to.
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw)) || Number(raw) <= 0) {
    throw new InvalidInputError(`Invalid ${name} ${quoted(raw)}: must be a positive integer`);
  }
  return Number(raw);
}

/** Turns `add`/`update` arguments into a validated spec, or throws a message naming the bad input. */
export function specFromArgs(
  id: string,
  command: string,
  frequency: string,
  priority: string,
  flags: SpecFlags,
): Omit<CommandSpec, "paused"> {
  let metadata: unknown = {};
  if (flags.metadata !== undefined) {
    try {
      metadata = JSON.parse(flags.metadata);
    } catch {
      throw new InvalidInputError("Invalid --metadata: not valid JSON");
    }
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
      throw new InvalidInputError("Invalid --metadata: must be a JSON object");
    }
  }
  if (!/^\d+$/.test(priority.trim())) {
    throw new InvalidInputError(
      `Invalid priority ${quoted(priority)}: must be an integer between 0 and 1000`,
    );
  }
  const type = flags.type ?? "shell";
  if (!(COMMAND_TYPES as readonly string[]).includes(type)) {
    throw new InvalidInputError(
      `Invalid --type ${quoted(type)}: must be one of ${COMMAND_TYPES.join(", ")}`,
    );
  }
  const candidate = {
    id,
    command,
    ...(flags.title !== undefined ? { title: flags.title } : {}),
    type,
    frequencyMinutes: positiveIntegerArg("frequency_minutes", frequency),
    priority: Number(priority),
    requiresLlm: flags.requiresLlm ?? false,
    metadata,
    maxRuntimeMinutes:
      flags.maxRuntimeMinutes === undefined
        ? null
        : positiveIntegerArg("--max-runtime-minutes", flags.maxRuntimeMinutes),
    paused: false,
  };
  const parsed = commandSpecSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      `Invalid ${issue?.path.join(".") || "command"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const { paused: _paused, ...spec } = parsed.data;
  return spec;
}
