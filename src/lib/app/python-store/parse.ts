import { z } from "zod";
import {
  COMMAND_ID_PATTERN,
  COMMAND_TYPES,
  type CommandSpec,
  type CommandState,
  commandIdSchema,
  commandTextSchema,
  metadataProblem,
  RUN_OUTCOMES,
  type RunOutcome,
  type RunRecord,
} from "../../core/command.js";
import { InvalidInputError } from "../../core/errors.js";
import { formatPath, issueLines } from "../../core/issues.js";
import { truncateUtf8 } from "../../core/output.js";
import { parsePythonTime, TIME_MESSAGE } from "./time.js";

/**
 * The Python daemon's JSON store (see "The Python store format" in ARCHITECTURE.md),
 * validated in full and turned into this project's model. Pure: no store, no clock.
 *
 * Two optional fields beyond the Python format, written by `ampa export` and ignored by
 * the Python daemon: `paused` on a command (only when true) and `outcome` on a history
 * entry (only when the exit code does not say it: abandoned, timeout, error).
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

const specShape = {
  id: z.string({ error: "must be a string" }),
  command: commandTextSchema.optional(),
  title: text.max(256, "must be at most 256 characters").nullable().optional(),
  requires_llm: z.boolean({ error: "must be true or false" }).optional(),
  frequency_minutes: positiveInt(525_600),
  priority: z
    .number({ error: "must be an integer between 0 and 1000" })
    .int("must be an integer between 0 and 1000")
    .min(0, "must be an integer between 0 and 1000")
    .max(1000, "must be an integer between 0 and 1000"),
  metadata: z
    .record(z.string(), z.unknown(), { error: "must be an object" })
    .superRefine((metadata, ctx) => {
      const problem = metadataProblem(metadata);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  max_runtime_minutes: positiveInt(1440).nullable().optional(),
  type: z.enum(COMMAND_TYPES, { error: `must be one of ${COMMAND_TYPES.join(", ")}` }).optional(),
  paused: z.boolean({ error: "must be true or false" }).optional(),
};

const runShape = {
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
const WORK_ITEM_ID = /^[^\s\p{Cc}]{1,256}$/u;

const stateShape = {
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

const rootShape = {
  commands: z.record(z.string(), z.looseObject(specShape, { error: "must be an object" }), {
    error: "must be an object mapping each command id to its definition",
  }),
  state: z
    .record(z.string(), z.looseObject(stateShape, { error: "must be an object" }), {
      error: "must be an object mapping command ids to their state",
    })
    .optional(),
  last_global_start_ts: time.nullable().optional(),
};

const rootSchema = z.looseObject(rootShape, {
  error: "must be a JSON object with commands, state and last_global_start_ts",
});

type PythonSpec = z.infer<z.ZodObject<typeof specShape>>;
type PythonState = z.infer<z.ZodObject<typeof stateShape>>;
type PythonRun = z.infer<z.ZodObject<typeof runShape>>;

export interface ParsedCommand {
  spec: Omit<CommandSpec, "paused">;
  /** Only when the file says (our export's extension); the store's value is kept otherwise. */
  paused: boolean | undefined;
  /** Schedule state; `lastRunId` is the id of the run in `runs` that started last. */
  state: Omit<CommandState, "createdAt" | "leaseRunId" | "leaseOwner" | "leaseExpiresAt">;
  /** Every run the file holds for the command, oldest first (not yet cut to the history limit). */
  runs: RunRecord[];
  audits: { workItemId: string; lastAuditAt: number }[];
  /** The file said `running: true`: that run is recorded as abandoned, with no lease. */
  abandonedRun: boolean;
}

export interface ParsedPythonStore {
  commands: ParsedCommand[];
  lastGlobalStartAt: number | undefined;
  /** Things imported with a change or ignored, each with its path. */
  warnings: string[];
}

/** An invalid store file: every problem, each with its path. */
export class PythonStoreError extends InvalidInputError {
  constructor(
    source: string,
    readonly problems: string[],
  ) {
    super(
      `${source} is not a valid AMPA store; nothing was imported:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
}

/**
 * Runs in this store are identified by command and start time: a re-import (of the same
 * file, or of an export of this store) finds the same run again. Ids of runs that came
 * from a Python file are derived from the start so they are stable too.
 */
export function importedRunId(startedAt: number): string {
  return `import-${startedAt}`;
}

export const ABANDONED_OUTPUT =
  "Imported from the Python daemon's store, where this run was still marked running: the daemon stopped before recording its end, so its end and result are unknown. It was not given a lease.";

function outcomeOf(exit: number | null | undefined, given?: RunOutcome): RunOutcome {
  if (given) return given;
  if (exit === null || exit === undefined) return "error";
  return exit === 0 ? "success" : "failure";
}

const unknownKeys = (value: unknown, shape: object): string[] =>
  value && typeof value === "object" && !Array.isArray(value)
    ? Object.keys(value).filter((k) => !(k in shape))
    : [];

/** Checks the whole file, then converts it. Throws PythonStoreError listing every problem. */
export function parsePythonStore(
  textContent: string,
  opts: { maxOutputBytes: number; source?: string },
): ParsedPythonStore {
  const source = opts.source ?? "the store file";
  let json: unknown;
  try {
    json = JSON.parse(textContent);
  } catch (err) {
    throw new PythonStoreError(source, [`(file): not valid JSON (${(err as Error).message})`]);
  }
  const parsed = rootSchema.safeParse(json);
  const problems = parsed.success ? [] : issueLines(parsed.error.issues);

  // Checks zod cannot express per field: ids against their keys and the id rules.
  const raw = json as { commands?: unknown };
  if (raw && typeof raw === "object" && raw.commands && typeof raw.commands === "object") {
    for (const [key, value] of Object.entries(raw.commands as Record<string, unknown>)) {
      const id = (value as { id?: unknown } | null)?.id;
      if (typeof id !== "string") continue;
      const path = formatPath(["commands", key, "id"]);
      if (id !== key) problems.push(`${path}: must equal its key ${JSON.stringify(key)}`);
      else if (!COMMAND_ID_PATTERN.test(id))
        problems.push(`${path}: ${commandIdSchema.safeParse(id).error?.issues[0]?.message}`);
    }
  }
  if (raw && typeof raw === "object" && "state" in raw) {
    const state = (raw as { state?: unknown }).state;
    for (const [key, value] of Object.entries((state ?? {}) as Record<string, unknown>)) {
      const audits = (value as { last_audit_at_by_item?: unknown } | null)?.last_audit_at_by_item;
      if (!audits || typeof audits !== "object") continue;
      for (const item of Object.keys(audits)) {
        if (!WORK_ITEM_ID.test(item))
          problems.push(
            `${formatPath(["state", key, "last_audit_at_by_item", item])}: work item ids must be 1-256 printable characters without spaces`,
          );
      }
    }
  }
  if (!parsed.success || problems.length > 0) {
    problems.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    throw new PythonStoreError(source, problems);
  }

  const data = parsed.data;
  const warnings: string[] = [];
  for (const key of unknownKeys(json, rootShape))
    warnings.push(`${key}: not part of the AMPA store format; ignored`);
  const states = data.state ?? {};
  for (const key of Object.keys(states)) {
    if (!(key in data.commands))
      warnings.push(`state.${key}: no command ${JSON.stringify(key)} in commands; ignored`);
  }

  const commands = Object.entries(data.commands).map(([id, spec]) =>
    convertCommand(id, spec, states[id], opts.maxOutputBytes, warnings),
  );
  return { commands, lastGlobalStartAt: data.last_global_start_ts ?? undefined, warnings };
}

function convertCommand(
  id: string,
  py: PythonSpec,
  pyState: PythonState | undefined,
  maxOutputBytes: number,
  warnings: string[],
): ParsedCommand {
  for (const key of unknownKeys(py, specShape))
    warnings.push(`commands.${id}.${key}: not part of the AMPA store format; ignored`);
  const spec: Omit<CommandSpec, "paused"> = {
    id,
    command: py.command ?? "",
    ...(py.title !== undefined && py.title !== null ? { title: py.title } : {}),
    type: py.type ?? "shell",
    frequencyMinutes: py.frequency_minutes,
    priority: py.priority,
    requiresLlm: py.requires_llm ?? false,
    metadata: py.metadata ?? {},
    maxRuntimeMinutes: py.max_runtime_minutes ?? null,
  };
  const result: ParsedCommand = {
    spec,
    paused: py.paused,
    state: {},
    runs: [],
    audits: [],
    abandonedRun: false,
  };
  if (!pyState) return result;
  const at = (key: string) => `state.${id}.${key}`;
  for (const key of unknownKeys(pyState, stateShape))
    warnings.push(`${at(key)}: not part of the AMPA store format; ignored`);

  const bound = (output: string | null | undefined, path: string) => {
    const cut = truncateUtf8(output ?? "", maxOutputBytes);
    if (cut.droppedBytes > 0)
      warnings.push(
        `${path}: ${cut.droppedBytes} bytes of output dropped (AMPA_MAX_OUTPUT_BYTES=${maxOutputBytes})`,
      );
    return { output: cut.text, outputTruncatedBytes: cut.droppedBytes };
  };

  // History: oldest first; one run per start millisecond (the later entry wins).
  const byStart = new Map<number, RunRecord>();
  const extraRunKeys = new Set<string>();
  (pyState.run_history ?? []).forEach((entry: PythonRun, i) => {
    for (const key of unknownKeys(entry, runShape)) extraRunKeys.add(key);
    const path = `${at("run_history")}[${i}]`;
    if (byStart.has(entry.start_ts))
      warnings.push(`${path}: starts in the same millisecond as an earlier entry; replaces it`);
    byStart.set(entry.start_ts, {
      commandId: id,
      runId: importedRunId(entry.start_ts),
      trigger: "schedule",
      startedAt: entry.start_ts,
      endedAt: entry.end_ts,
      durationMs:
        entry.duration_seconds === null || entry.duration_seconds === undefined
          ? entry.end_ts - entry.start_ts
          : Math.round(entry.duration_seconds * 1000),
      exitCode: entry.exit_code ?? null,
      outcome: outcomeOf(entry.exit_code, entry.outcome),
      ...bound(entry.output, `${path}.output`),
    });
  });
  for (const key of extraRunKeys)
    warnings.push(`${at("run_history")}[*].${key}: not part of the AMPA store format; ignored`);

  const lastStart = pyState.last_start_ts ?? undefined;
  const state: ParsedCommand["state"] = {};
  if (lastStart !== undefined) state.lastStartAt = lastStart;
  const recorded = lastStart === undefined ? undefined : byStart.get(lastStart);

  if (pyState.running && lastStart !== undefined && !recorded) {
    // The daemon stopped mid-run. Not a lease (it would block the command until it
    // expired) but what a recovered lease becomes here: an abandoned run.
    const run: RunRecord = {
      commandId: id,
      runId: importedRunId(lastStart),
      trigger: "schedule",
      startedAt: lastStart,
      endedAt: lastStart,
      durationMs: 0,
      exitCode: null,
      outcome: "abandoned",
      output: ABANDONED_OUTPUT,
      outputTruncatedBytes: 0,
    };
    byStart.set(lastStart, run);
    Object.assign(state, { lastEndAt: lastStart, lastOutcome: "abandoned", lastRunId: run.runId });
    result.abandonedRun = true;
    warnings.push(
      `${at("running")}: true, but the Python daemon is not running it any more; recorded as an abandoned run started ${new Date(lastStart).toISOString()}, with no lease`,
    );
  } else {
    if (pyState.running)
      warnings.push(
        lastStart === undefined
          ? `${at("running")}: true without last_start_ts; nothing to recover, ignored`
          : `${at("running")}: true, but run_history holds that run's end; imported as finished`,
      );
    const lastEnd = pyState.last_run_ts ?? undefined;
    let last = recorded;
    if (!last && lastStart !== undefined && lastEnd !== undefined && lastEnd >= lastStart) {
      // The last run is described by the state but missing from run_history: keep it.
      last = {
        commandId: id,
        runId: importedRunId(lastStart),
        trigger: "schedule",
        startedAt: lastStart,
        endedAt: lastEnd,
        durationMs:
          pyState.last_duration_seconds === null || pyState.last_duration_seconds === undefined
            ? lastEnd - lastStart
            : Math.round(pyState.last_duration_seconds * 1000),
        exitCode: pyState.last_exit_code ?? null,
        outcome: outcomeOf(pyState.last_exit_code),
        ...bound(pyState.last_output, at("last_output")),
      };
      byStart.set(lastStart, last);
    }
    if (lastEnd !== undefined) state.lastEndAt = lastEnd;
    if (pyState.last_exit_code !== undefined && pyState.last_exit_code !== null)
      state.lastExitCode = pyState.last_exit_code;
    if (pyState.last_duration_seconds !== undefined && pyState.last_duration_seconds !== null)
      state.lastDurationMs = Math.round(pyState.last_duration_seconds * 1000);
    if (last) {
      state.lastRunId = last.runId;
      state.lastOutcome = last.outcome;
    } else if (lastEnd !== undefined) {
      state.lastOutcome = outcomeOf(pyState.last_exit_code);
    }
  }

  result.state = state;
  result.runs = [...byStart.values()].sort((a, b) => a.startedAt - b.startedAt);
  result.audits = Object.entries(pyState.last_audit_at_by_item ?? {}).map(
    ([workItemId, lastAuditAt]) => ({ workItemId, lastAuditAt }),
  );
  return result;
}
