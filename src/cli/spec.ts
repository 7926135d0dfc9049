import type * as z from "zod";
import {
  agentProblem,
  commandTypes,
  DEFAULT_COMMAND_TYPE,
  isCommandType,
  runtimeProblem,
  typedMetadataProblem,
  typeMetadataProblem,
} from "../lib/app/commands/registry.js";
import {
  type CommandSpec,
  commandSpecSchema,
  frequencyMinutesSchema,
  prioritySchema,
} from "../lib/core/command.js";
import { InvalidInputError } from "../lib/core/errors.js";
import { splitTimes, splitWindows } from "../lib/core/scheduler/windows.js";

export interface SpecFlags {
  requiresLlm?: boolean;
  metadata?: string;
  /** The agent a delegation or audit runs: sets metadata.agent. */
  agent?: string;
  maxRuntimeMinutes?: string;
  type?: string;
  title?: string;
  runtime?: string;
  active?: string;
  at?: string;
  tz?: string;
}

/** The option that gave a spec field, for messages: `--active`, not `active.0`. */
const FLAGS: Record<string, string> = { active: "--active", at: "--at", timeZone: "--tz" };

/** The bad value for a message: quoted, escaped, and short even when the argument was 128 KiB. */
export function quoted(raw: string, max = 40): string {
  return JSON.stringify(raw.length > max ? `${raw.slice(0, max)}…` : raw);
}

/**
 * A positional integer as typed: decimal digits naming a safe integer (not "1e3", "0x10",
 * "1.5", "-1" or "٥"; past 2^53 the digits no longer name the number they parse to) that
 * `schema` accepts. Refused with the argument quoted and the schema's own message. A value
 * past the schema's maximum is returned: commandSpecSchema refuses it naming the field.
 */
function integerArg(name: string, raw: string, schema: z.ZodType<number>): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  // Anything that is not such an integer is checked as -1: below every minimum, so the
  // schema's message is the one for "not a (positive) integer".
  const issue = schema.safeParse(Number.isSafeInteger(value) ? value : -1).error?.issues[0];
  if (issue && issue.code !== "too_big")
    throw new InvalidInputError(`Invalid ${name} ${quoted(raw)}: ${issue.message}`);
  return value;
}

const maxRuntimeMinutesSchema = commandSpecSchema.shape.maxRuntimeMinutes.unwrap();

/** Turns `add`/`update` arguments into a validated spec, or throws a message naming the bad input. */
export function specFromArgs(
  id: string,
  command: string,
  frequency: string,
  priority: string,
  flags: SpecFlags,
): Omit<CommandSpec, "paused"> {
  let metadata: Record<string, unknown> = {};
  if (flags.metadata !== undefined) {
    try {
      metadata = JSON.parse(flags.metadata) as Record<string, unknown>;
    } catch {
      throw new InvalidInputError("Invalid --metadata: not valid JSON");
    }
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
      throw new InvalidInputError("Invalid --metadata: must be a JSON object");
    }
  }
  if (flags.agent !== undefined) {
    const given = metadata.agent;
    if (given !== undefined && given !== flags.agent)
      throw new InvalidInputError("Invalid --agent: --metadata names another agent");
    metadata = { ...metadata, agent: flags.agent };
  }
  const priorityValue = integerArg("priority", priority, prioritySchema);
  const type = flags.type ?? DEFAULT_COMMAND_TYPE;
  if (!isCommandType(type)) {
    throw new InvalidInputError(
      `Invalid --type ${quoted(type)}: must be one of ${commandTypes().join(", ")}`,
    );
  }
  const candidate = {
    id,
    command,
    ...(flags.title !== undefined ? { title: flags.title } : {}),
    type,
    frequencyMinutes: integerArg("frequency_minutes", frequency, frequencyMinutesSchema),
    priority: priorityValue,
    requiresLlm: flags.requiresLlm ?? false,
    metadata,
    maxRuntimeMinutes:
      flags.maxRuntimeMinutes === undefined
        ? null
        : integerArg("--max-runtime-minutes", flags.maxRuntimeMinutes, maxRuntimeMinutesSchema),
    ...(flags.runtime !== undefined ? { runtime: flags.runtime } : {}),
    ...(flags.active !== undefined ? { active: splitWindows(flags.active) } : {}),
    ...(flags.at !== undefined ? { at: splitTimes(flags.at) } : {}),
    ...(flags.tz !== undefined ? { timeZone: flags.tz } : {}),
    paused: false,
  };
  if (flags.tz !== undefined && flags.active === undefined && flags.at === undefined)
    throw new InvalidInputError("Invalid --tz: it only applies with --active or --at");
  const parsed = commandSpecSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = FLAGS[String(issue?.path[0])] ?? issue?.path.join(".");
    throw new InvalidInputError(`Invalid ${field || "command"}: ${issue?.message ?? "invalid"}`);
  }
  const runtime = runtimeProblem(parsed.data);
  if (runtime) throw new InvalidInputError(`Invalid maxRuntimeMinutes: ${runtime}`);
  // The option's own name when --agent gave it (nothing is written: this runs first).
  const agent = flags.agent === undefined ? undefined : agentProblem(type, metadata);
  if (agent) throw new InvalidInputError(`Invalid --agent: ${agent}`);
  const problem = typeMetadataProblem(parsed.data.type, parsed.data.metadata);
  if (problem) throw new InvalidInputError(`Invalid --metadata: ${problem}`);
  const metadataProblem = typedMetadataProblem(parsed.data.type, parsed.data.metadata);
  if (metadataProblem) throw new InvalidInputError(`Invalid ${metadataProblem}`);
  const { paused: _paused, ...spec } = parsed.data;
  return spec;
}
