import * as z from "zod";
import {
  type CommandSpec,
  commandIdSchema,
  frequencyMinutesSchema,
  prioritySchema,
} from "../core/command.js";
import { commandTypes, DEFAULT_COMMAND_TYPE, isCommandType } from "../app/commands/registry.js";
import { InvalidInputError } from "../core/errors.js";
import {
  activeSchema,
  atSchema,
  calendarOf,
  calendarProblem,
  timeZoneSchema,
} from "../core/scheduler/windows.js";
import { issueLines } from "../core/issues.js";

/**
 * A workload for `ampa simulate` and the benchmark: the commands, and what happens to
 * them on the simulated clock. Either a bare JSON array of commands, or
 * `{ "commands": [...], "llm_down": [[from, to], ...] }`. Times are seconds from the
 * first tick.
 */

const seconds = (what: string) =>
  z.number({ error: `must be a number of seconds` }).min(0, `${what} must be at least 0`);

/** `[[from, to], …]` in seconds: each ends after it begins, in order, none overlapping. */
const windowsSchema = z
  .array(
    z
      .tuple([seconds("from"), seconds("to")], { error: "must be a pair [from, to] of seconds" })
      .refine(([from, to]) => to > from, "must end after it begins ([from, to] with to > from)"),
    { error: "must be an array of [from, to] pairs of seconds" },
  )
  .superRefine((windows, ctx) => {
    windows.forEach(([from], i) => {
      const previous = windows[i - 1];
      if (previous && from < previous[1])
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `must begin at or after the previous window ends (${previous[1]} s)`,
        });
    });
  });
export type Windows = z.infer<typeof windowsSchema>;

const workloadCommandSchema = z.strictObject({
  id: commandIdSchema,
  /** Shown beside the id in `ampa simulate --html`. */
  title: z
    .string({ error: "must be a string" })
    .max(256, "must be at most 256 characters")
    .optional(),
  /** Its type (the default type when absent): runs as the type's module simulates it. */
  type: z
    .string({ error: "must be a string" })
    .superRefine((type, ctx) => {
      if (!isCommandType(type))
        ctx.addIssue({ code: "custom", message: `must be one of ${commandTypes().join(", ")}` });
    })
    .optional(),
  // A value that is not a number at all gets the same message as a bad number.
  frequency_minutes: z.number({ error: "must be a positive integer" }).pipe(frequencyMinutesSchema),
  priority: z.number({ error: "must be an integer between 0 and 1000" }).pipe(prioritySchema),
  requires_llm: z.boolean({ error: "must be true or false" }).optional(),
  /** Added to the store at this simulated time (from the first tick when absent). */
  added_at_seconds: seconds("added_at_seconds").optional(),
  /** Paused through the store at each `from`, resumed at each `to`. */
  paused: windowsSchema.optional(),
  /** How long each run takes on the simulated clock; instant when absent. */
  run_seconds: seconds("run_seconds").optional(),
  /** Active windows, daily start times and their zone, as `ampa add --active --at --tz`. */
  active: activeSchema.optional(),
  at: atSchema.optional(),
  time_zone: timeZoneSchema.optional(),
});
export type WorkloadCommand = z.infer<typeof workloadCommandSchema>;

/** The commands of a workload: a JSON array of them. */
export const workloadSchema = z
  .array(workloadCommandSchema, { error: "must be a JSON array of commands" })
  .min(1, "must hold at least one command")
  .superRefine((commands, ctx) => {
    const seen = new Set<string>();
    commands.forEach((c, i) => {
      if (seen.has(c.id))
        ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate id ${c.id}` });
      seen.add(c.id);
      const calendar = calendarProblem({ ...c, timeZone: c.time_zone });
      if (calendar) ctx.addIssue({ code: "custom", path: [i, "at"], message: calendar });
      const added = c.added_at_seconds ?? 0;
      const early = (c.paused ?? []).findIndex(([from]) => from < added);
      if (early >= 0)
        ctx.addIssue({
          code: "custom",
          path: [i, "paused", early],
          message: `must begin at or after added_at_seconds (${added} s)`,
        });
    });
  });
export type Workload = z.infer<typeof workloadSchema>;

/** The object form: the commands and the windows in which the LLM probe answers false. */
export const workloadFileSchema = z.strictObject(
  { commands: workloadSchema, llm_down: windowsSchema.optional() },
  {
    // Only for a value that is not an object at all: unknown keys keep zod's own message.
    error: (issue) =>
      issue.code === "invalid_type"
        ? "must be a JSON array of commands or an object { commands, llm_down }"
        : undefined,
  },
);
export type WorkloadFile = z.infer<typeof workloadFileSchema>;

/** Either form, as the simulator takes it. */
export interface WorkloadWithDynamics {
  commands: Workload;
  llmDown: Windows;
}

export function normalizeWorkload(w: Workload | WorkloadWithDynamics): WorkloadWithDynamics {
  return Array.isArray(w) ? { commands: w, llmDown: [] } : w;
}

/**
 * Parses a workload file's text, either form; every problem is reported with its path
 * (`[0].priority` in the array form, `commands[0].priority` in the object form).
 */
export function parseWorkload(text: string, source = "workload"): WorkloadWithDynamics {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = Array.isArray(json)
    ? workloadSchema.safeParse(json)
    : workloadFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = issueLines(parsed.error.issues).map((l) => `  ${l}`);
    throw new InvalidInputError(`${source} is not a valid workload:\n${lines.join("\n")}`);
  }
  const data = parsed.data;
  return Array.isArray(data)
    ? { commands: data, llmDown: [] }
    : { commands: data.commands, llmDown: data.llm_down ?? [] };
}

export function workloadSpecs(workload: Workload): CommandSpec[] {
  return workload.map((w) => ({
    id: w.id,
    ...(w.title === undefined ? {} : { title: w.title }),
    command: "true",
    type: w.type ?? DEFAULT_COMMAND_TYPE,
    frequencyMinutes: w.frequency_minutes,
    priority: w.priority,
    requiresLlm: w.requires_llm ?? false,
    metadata: {},
    maxRuntimeMinutes: null,
    ...(w.active === undefined ? {} : { active: w.active }),
    ...(w.at === undefined ? {} : { at: w.at }),
    ...(w.time_zone === undefined ? {} : { timeZone: w.time_zone }),
    paused: false,
  }));
}

/**
 * The spans (ms from the first tick, which is at `startAt`) in `[0, durationMs)` that the
 * command spends outside its active windows.
 */
export function closedWindowsMs(
  command: WorkloadCommand,
  startAt: number,
  durationMs: number,
): Windows {
  const calendar = calendarOf({ ...command, timeZone: command.time_zone });
  if (!calendar?.hasWindows) return [];
  const closed: [number, number][] = [];
  for (let t = startAt; t < startAt + durationMs;) {
    const state = calendar.windowState(t);
    const until = Math.min(state.until, startAt + durationMs);
    if (!state.inside) closed.push([t - startAt, until - startAt]);
    t = until;
  }
  return closed;
}

/**
 * The windows (ms from the first tick) in which a command could not start: before it was
 * added, while paused, while the LLM was down if it needs one, and `closedMs` (outside its
 * active windows). Sorted, merged.
 */
export function unavailableWindowsMs(
  command: WorkloadCommand,
  llmDown: Windows,
  closedMs: Windows = [],
): Windows {
  const raw: [number, number][] = [];
  const added = command.added_at_seconds ?? 0;
  if (added > 0) raw.push([0, added]);
  raw.push(...(command.paused ?? []));
  if (command.requires_llm) raw.push(...llmDown);
  const ms: [number, number][] = raw.map(([from, to]) => [from * 1000, to * 1000]);
  ms.push(...closedMs.map(([from, to]): [number, number] => [from, to]));
  const merged: [number, number][] = [];
  for (const [from, to] of ms.sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}
