import {
  COMMAND_ID_PATTERN,
  type CommandSpec,
  type Runtime,
  type CommandState,
  commandIdSchema,
  type RunOutcome,
  type RunRecord,
} from "../../core/command.js";
import { InvalidInputError } from "../../core/errors.js";
import { formatPath, issueLines } from "../../core/issues.js";
import { truncateUtf8 } from "../../core/output.js";
import { type RunResult, runRecord, runRecordWithDuration } from "../../core/run-record.js";
import {
  type PythonRun,
  type PythonSpec,
  type PythonState,
  rootSchema,
  rootShape,
  runShape,
  specShape,
  stateShape,
  unknownKeys,
  WORK_ITEM_ID,
} from "./schema.js";
import { agentError, mapUpstreamType, type TypeMapping } from "./types.js";
import { DEFAULT_COMMAND_TYPE, runtimeProblem } from "../commands/registry.js";

/** Entries of a list or object; undefined for anything else (absent included). */
const countOf = (v: unknown): number | undefined =>
  Array.isArray(v) ? v.length : v && typeof v === "object" ? Object.keys(v).length : undefined;

/**
 * The Python daemon's JSON store (see "The Python store format" in ARCHITECTURE.md and
 * schema.ts), validated in full and turned into this project's model. Pure: no store, no clock.
 */

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
  /** Commands left out, each with its path and why (the others are imported). */
  errors: string[];
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
  const dispatches = countOf(data.dispatches);
  if (dispatches !== undefined)
    warnings.push(
      `dispatches: ${dispatches} upstream dispatch record(s) not imported: a log of past dispatches, not claims`,
    );
  const states = data.state ?? {};
  for (const key of Object.keys(states)) {
    if (!(key in data.commands))
      warnings.push(`state.${key}: no command ${JSON.stringify(key)} in commands; ignored`);
  }

  const commands: ParsedCommand[] = [];
  const errors: string[] = [];
  for (const [id, spec] of Object.entries(data.commands)) {
    const mapped = mapUpstreamType(spec.type, spec.metadata ?? {}, spec.agent ?? undefined);
    const problem = agentError(spec.agent ?? undefined, spec.metadata ?? {});
    if (problem) errors.push(`commands.${id}: not imported: ${problem}`);
    else commands.push(convertCommand(id, spec, mapped, states[id], opts.maxOutputBytes, warnings));
  }
  return {
    commands,
    lastGlobalStartAt: data.last_global_start_ts ?? undefined,
    warnings,
    errors,
  };
}

/** One command of a valid file, with its state and runs; warnings are appended to `warnings`. */
function convertCommand(
  id: string,
  py: PythonSpec,
  mapped: TypeMapping,
  pyState: PythonState | undefined,
  maxOutputBytes: number,
  warnings: string[],
): ParsedCommand {
  warnUnknownKeys(py, specShape, `commands.${id}`, warnings);
  if (mapped.note) warnings.push(`commands.${id}.type: ${mapped.note}`);
  if (mapped.pausedBecause)
    warnings.push(`commands.${id}: imported paused: ${mapped.pausedBecause}`);
  const spec = withRuntime(
    id,
    { ...commandSpec(id, py), type: mapped.type, metadata: mapped.metadata },
    py.runtime,
    warnings,
  );
  const paused = mapped.pausedBecause ? true : py.paused;
  if (!pyState) return { spec, paused, state: {}, runs: [], audits: [], abandonedRun: false };
  const ctx = stateContext(id, maxOutputBytes, warnings);
  warnUnknownKeys(pyState, stateShape, `state.${id}`, warnings);
  const byStart = historyByStart(ctx, pyState.run_history ?? []);
  const lastStart = pyState.last_start_ts ?? undefined;
  const recorded = lastStart === undefined ? undefined : byStart.get(lastStart);
  const abandonedRun = pyState.running === true && lastStart !== undefined && !recorded;
  const state = abandonedRun
    ? abandonedState(ctx, lastStart, byStart)
    : finishedState(ctx, pyState, recorded, byStart);
  return {
    spec,
    paused,
    state,
    runs: [...byStart.values()].sort((a, b) => a.startedAt - b.startedAt),
    audits: Object.entries(pyState.last_audit_at_by_item ?? {}).map(
      ([workItemId, lastAuditAt]) => ({ workItemId, lastAuditAt }),
    ),
    abandonedRun,
  };
}

function warnUnknownKeys(value: unknown, shape: object, path: string, warnings: string[]): void {
  for (const key of unknownKeys(value, shape))
    warnings.push(`${path}.${key}: not part of the AMPA store format; ignored`);
}

function commandSpec(id: string, py: PythonSpec): ParsedCommand["spec"] {
  return {
    id,
    command: py.command ?? "",
    ...(py.title !== undefined && py.title !== null ? { title: py.title } : {}),
    // The mapped type replaces it (convertCommand).
    type: DEFAULT_COMMAND_TYPE,
    frequencyMinutes: py.frequency_minutes,
    priority: py.priority,
    requiresLlm: py.requires_llm ?? false,
    metadata: py.metadata ?? {},
    maxRuntimeMinutes: py.max_runtime_minutes ?? null,
    ...(py.active === undefined ? {} : { active: py.active }),
    ...(py.at === undefined ? {} : { at: py.at }),
    ...(py.time_zone === undefined ? {} : { timeZone: py.time_zone }),
  };
}

/**
 * The spec with its runtime: as the file gives it, else its type's default, except that a
 * max runtime Lambda cannot give makes it a task (the daemon ran everything in-process).
 */
function withRuntime(
  id: string,
  spec: ParsedCommand["spec"],
  runtime: Runtime | undefined,
  warnings: string[],
): ParsedCommand["spec"] {
  const given = runtime === undefined ? spec : { ...spec, runtime };
  if (!runtimeProblem(given)) return given;
  warnings.push(
    `commands.${id}.max_runtime_minutes: ${spec.maxRuntimeMinutes} minutes is more than a "function" run may take; imported with runtime "task"`,
  );
  return { ...spec, runtime: "task" };
}

/** Converting one command's state: the paths of its fields, and where warnings go. */
interface StateContext {
  id: string;
  /** The path of a state field, for warnings. */
  at: (key: string) => string;
  /** Output cut to AMPA_MAX_OUTPUT_BYTES, with a warning at `path` when bytes were dropped. */
  bound: (
    output: string | null | undefined,
    path: string,
  ) => Omit<RunResult, "exitCode" | "outcome">;
  warnings: string[];
}

function stateContext(id: string, maxOutputBytes: number, warnings: string[]): StateContext {
  return {
    id,
    at: (key) => `state.${id}.${key}`,
    bound: (output, path) => {
      const cut = truncateUtf8(output ?? "", maxOutputBytes);
      if (cut.droppedBytes > 0)
        warnings.push(
          `${path}: ${cut.droppedBytes} bytes of output dropped (AMPA_MAX_OUTPUT_BYTES=${maxOutputBytes})`,
        );
      return { output: cut.text, outputTruncatedBytes: cut.droppedBytes };
    },
    warnings,
  };
}

/** An imported run has no claim: it ran on schedule, and its id comes from its start. */
function importedClaim(commandId: string, startedAt: number) {
  return { commandId, runId: importedRunId(startedAt), startedAt, trigger: "schedule" } as const;
}

/** Python's seconds as milliseconds, or undefined when the file has none. */
const msOf = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined ? undefined : Math.round(seconds * 1000);

/** The history, by start: one run per start millisecond (the later entry wins). */
function historyByStart(ctx: StateContext, history: PythonRun[]): Map<number, RunRecord> {
  const byStart = new Map<number, RunRecord>();
  const extraRunKeys = new Set<string>();
  history.forEach((entry, i) => {
    for (const key of unknownKeys(entry, runShape)) extraRunKeys.add(key);
    const path = `${ctx.at("run_history")}[${i}]`;
    if (byStart.has(entry.start_ts))
      ctx.warnings.push(`${path}: starts in the same millisecond as an earlier entry; replaces it`);
    const result = {
      exitCode: entry.exit_code ?? null,
      outcome: outcomeOf(entry.exit_code, entry.outcome),
      ...ctx.bound(entry.output, `${path}.output`),
    };
    byStart.set(
      entry.start_ts,
      runRecordWithDuration(
        importedClaim(ctx.id, entry.start_ts),
        result,
        entry.end_ts,
        msOf(entry.duration_seconds),
      ),
    );
  });
  for (const key of extraRunKeys)
    ctx.warnings.push(
      `${ctx.at("run_history")}[*].${key}: not part of the AMPA store format; ignored`,
    );
  return byStart;
}

/**
 * The daemon stopped mid-run. Not a lease (it would block the command until it expired)
 * but what a recovered lease becomes here: an abandoned run.
 */
function abandonedState(
  ctx: StateContext,
  lastStart: number,
  byStart: Map<number, RunRecord>,
): ParsedCommand["state"] {
  const run = runRecord(
    importedClaim(ctx.id, lastStart),
    { exitCode: null, outcome: "abandoned", output: ABANDONED_OUTPUT },
    lastStart,
  );
  byStart.set(lastStart, run);
  ctx.warnings.push(
    `${ctx.at("running")}: true, but the Python daemon is not running it any more; recorded as an abandoned run started ${new Date(lastStart).toISOString()}, with no lease`,
  );
  return {
    lastStartAt: lastStart,
    lastEndAt: lastStart,
    lastOutcome: "abandoned",
    lastRunId: run.runId,
  };
}

/** The schedule state of a command that is not running (or whose run has ended). */
function finishedState(
  ctx: StateContext,
  pyState: PythonState,
  recorded: RunRecord | undefined,
  byStart: Map<number, RunRecord>,
): ParsedCommand["state"] {
  const lastStart = pyState.last_start_ts ?? undefined;
  if (pyState.running)
    ctx.warnings.push(
      lastStart === undefined
        ? `${ctx.at("running")}: true without last_start_ts; nothing to recover, ignored`
        : `${ctx.at("running")}: true, but run_history holds that run's end; imported as finished`,
    );
  const lastEnd = pyState.last_run_ts ?? undefined;
  let last = recorded;
  if (!last && lastStart !== undefined && lastEnd !== undefined && lastEnd >= lastStart) {
    // The last run is described by the state but missing from run_history: keep it.
    last = lastRunFromState(ctx, pyState, lastStart, lastEnd);
    byStart.set(lastStart, last);
  }
  const state: ParsedCommand["state"] = {};
  if (lastStart !== undefined) state.lastStartAt = lastStart;
  if (lastEnd !== undefined) state.lastEndAt = lastEnd;
  if (pyState.last_exit_code !== undefined && pyState.last_exit_code !== null)
    state.lastExitCode = pyState.last_exit_code;
  const lastDurationMs = msOf(pyState.last_duration_seconds);
  if (lastDurationMs !== undefined) state.lastDurationMs = lastDurationMs;
  if (last) {
    state.lastRunId = last.runId;
    state.lastOutcome = last.outcome;
  } else if (lastEnd !== undefined) {
    state.lastOutcome = outcomeOf(pyState.last_exit_code);
  }
  return state;
}

/** The last run as the state describes it (when run_history does not hold it). */
function lastRunFromState(
  ctx: StateContext,
  pyState: PythonState,
  lastStart: number,
  lastEnd: number,
): RunRecord {
  return runRecordWithDuration(
    importedClaim(ctx.id, lastStart),
    {
      exitCode: pyState.last_exit_code ?? null,
      outcome: outcomeOf(pyState.last_exit_code),
      ...ctx.bound(pyState.last_output, ctx.at("last_output")),
    },
    lastEnd,
    msOf(pyState.last_duration_seconds),
  );
}
