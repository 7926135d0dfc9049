import * as z from "zod";
import {
  RUNTIMES,
  commandTextSchema,
  metadataProblem,
  prioritySchema,
  RUN_OUTCOMES,
} from "../../core/command.js";
import {
  activeSchema,
  atSchema,
  calendarProblem,
  timeZoneSchema,
} from "../../core/scheduler/windows.js";
import { parsePythonTime, TIME_MESSAGE } from "./time.js";

/**
 * The Python daemon's JSON store file (see "The Python store format" in ARCHITECTURE.md)
 * as zod schemas, with the messages an import lists for each problem.
 *
 * Optional fields beyond the Python format, written by `ampa export` and ignored by the
 * Python daemon: `paused` on a command (only when true), its `runtime`, `active`, `at`
 * and `time_zone` (only when set), and `outcome` on a history entry (only when the exit
 * code does not say it: abandoned, timeout, error).
 */

const positiveInt = (max: number) =>
  z
    .number({ error: "must be a positive integer" })
    .int("must be a positive integer")
    .positive("must be a positive integer")
    .max(max, `must be at most ${max}`);

const time = z.string({ error: TIME_MESSAGE }).transform((text, ctx) => {
  const ms = parsePythonTime(text);
  if (ms === undefined) {
    ctx.issues.push({ code: "custom", message: TIME_MESSAGE, input: text });
    return z.NEVER;
  }
  return ms;
});

const seconds = z
  .number({ error: "must be a number of seconds, at least 0" })
  .nonnegative("must be a number of seconds, at least 0");
const exitCode = z.number({ error: "must be an integer" }).int("must be an integer");
const text = z.string({ error: "must be a string" });

/** A command definition under `commands`. */
export const specShape = {
  id: z.string({ error: "must be a string" }),
  command: commandTextSchema.optional(),
  title: text.max(256, "must be at most 256 characters").nullable().optional(),
  requires_llm: z.boolean({ error: "must be true or false" }).optional(),
  // Not core's frequencyMinutesSchema: its maximum's message adds "(one year)" to the text
  // an import lists ("must be at most 525600").
  frequency_minutes: positiveInt(525_600),
  // The CLI's rule, with the message of the file format for a value that is not a number.
  priority: z.number({ error: "must be an integer between 0 and 1000" }).pipe(prioritySchema),
  metadata: z
    .record(z.string(), z.unknown(), { error: "must be an object" })
    .superRefine((metadata, ctx) => {
      const problem = metadataProblem(metadata);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  max_runtime_minutes: positiveInt(1440).nullable().optional(),
  // Any type name: upstream's newer types are mapped or imported paused (types.ts).
  type: z
    .string({ error: "must be a string" })
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be a type name (letters, digits, '.', '_', '-')")
    .optional(),
  /** Upstream's agent of the command: metadata.agent here, when it names one AMPA runs. */
  agent: text.max(256, "must be at most 256 characters").nullable().optional(),
  paused: z.boolean({ error: "must be true or false" }).optional(),
  /** Ours, not the daemon's: where runs execute (absent: the type's default). */
  runtime: z.enum(RUNTIMES, { error: `must be one of ${RUNTIMES.join(", ")}` }).optional(),
  /** Ours: active windows, daily start times and their zone (core/scheduler/windows.ts). */
  active: activeSchema.optional(),
  at: atSchema.optional(),
  time_zone: timeZoneSchema.optional(),
};

/** One entry of a command's `run_history`. */
export const runShape = {
  start_ts: time,
  end_ts: time,
  duration_seconds: seconds.nullable().optional(),
  exit_code: exitCode.nullable().optional(),
  output: text.nullable().optional(),
  outcome: z.enum(RUN_OUTCOMES, { error: `must be one of ${RUN_OUTCOMES.join(", ")}` }).optional(),
};

const runSchema = z
  .looseObject(runShape, { error: "must be an object" })
  .superRefine((run, ctx) => {
    if (run.end_ts < run.start_ts)
      ctx.addIssue({ code: "custom", path: ["end_ts"], message: "must not be before start_ts" });
  });

/** Work item ids become sort keys: printable, at most 256 characters. */
export const WORK_ITEM_ID = /^[^\s\p{Cc}]{1,256}$/u;

/** A command's schedule state under `state`. */
export const stateShape = {
  running: z.boolean({ error: "must be true or false" }).optional(),
  last_start_ts: time.nullable().optional(),
  last_run_ts: time.nullable().optional(),
  last_duration_seconds: seconds.nullable().optional(),
  last_exit_code: exitCode.nullable().optional(),
  last_output: text.nullable().optional(),
  run_history: z.array(runSchema, { error: "must be a list of runs" }).optional(),
  last_audit_at_by_item: z
    .record(z.string(), time, { error: "must be an object mapping work item id to time" })
    .optional(),
};

/** The whole file. */
export const rootShape = {
  commands: z.record(
    z.string(),
    z.looseObject(specShape, { error: "must be an object" }).superRefine((spec, ctx) => {
      const problem = calendarProblem({ ...spec, timeZone: spec.time_zone });
      if (problem) ctx.addIssue({ code: "custom", path: ["at"], message: problem });
    }),
    { error: "must be an object mapping each command id to its definition" },
  ),
  state: z
    .record(z.string(), z.looseObject(stateShape, { error: "must be an object" }), {
      error: "must be an object mapping command ids to their state",
    })
    .optional(),
  last_global_start_ts: time.nullable().optional(),
  /** Upstream's dispatch log (work item, action, pid, time): counted in the notes, not imported. */
  dispatches: z.unknown().optional(),
};

/** The whole file (unknown keys pass, to be warned about). */
export const rootSchema = z.looseObject(rootShape, {
  error: "must be a JSON object with commands, state and last_global_start_ts",
});

export type PythonSpec = z.infer<z.ZodObject<typeof specShape>>;
export type PythonState = z.infer<z.ZodObject<typeof stateShape>>;
export type PythonRun = z.infer<z.ZodObject<typeof runShape>>;

/** Keys of an object that its shape does not know (imported with a warning). */
export const unknownKeys = (value: unknown, shape: object): string[] =>
  value && typeof value === "object" && !Array.isArray(value)
    ? Object.keys(value).filter((k) => !(k in shape))
    : [];
