import type { Command, RunOutcome, RunRecord, Runtime } from "../../core/command.js";
import { commandRuntime, runtimeProblem } from "../commands/registry.js";
import type { CorruptItem, TransferStore } from "../../core/ports.js";
import { formatPythonTime } from "./time.js";

/**
 * The store as the Python daemon's JSON store, so `ampa import` of the result gives the
 * same commands, state, history and audit times back, and the Python daemon can read it.
 * Keys are sorted at every level, as the daemon's own `json.dump(sort_keys=True)`.
 */

export interface PythonStoreExport {
  /** The document to write. */
  store: Record<string, unknown>;
  /** What could not be represented, for the operator. */
  warnings: string[];
}

const time = (ms: number | undefined) => (ms === undefined ? null : formatPythonTime(ms));
const seconds = (ms: number | undefined) => (ms === undefined ? null : ms / 1000);

/** The outcome the exit code implies, as the import reads it back. */
function impliedOutcome(exitCode: number | null): RunOutcome {
  if (exitCode === null) return "error";
  return exitCode === 0 ? "success" : "failure";
}

function historyEntry(run: RunRecord): Record<string, unknown> {
  return {
    start_ts: formatPythonTime(run.startedAt),
    end_ts: formatPythonTime(run.endedAt),
    duration_seconds: run.durationMs / 1000,
    exit_code: run.exitCode,
    output: run.output,
    ...(run.outcome === impliedOutcome(run.exitCode) ? {} : { outcome: run.outcome }),
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The runtime an import gives a command whose file names none (see parse.ts withRuntime). */
function importedRuntime(c: Command): Runtime {
  const { runtime: _given, ...rest } = c;
  return runtimeProblem(rest) ? "task" : commandRuntime(rest);
}

export function spec(c: Command): Record<string, unknown> {
  return {
    id: c.id,
    command: c.command,
    title: c.title ?? null,
    requires_llm: c.requiresLlm,
    frequency_minutes: c.frequencyMinutes,
    priority: c.priority,
    metadata: c.metadata,
    max_runtime_minutes: c.maxRuntimeMinutes,
    type: c.type,
    ...(c.paused ? { paused: true } : {}),
    // Only where an import would not infer it, so an imported file exports unchanged.
    ...(c.runtime && c.runtime !== importedRuntime(c) ? { runtime: c.runtime } : {}),
    ...(c.active ? { active: c.active } : {}),
    ...(c.at ? { at: c.at } : {}),
    ...(c.timeZone ? { time_zone: c.timeZone } : {}),
  };
}

function state(
  c: Command,
  runsNewestFirst: RunRecord[],
  audits: Record<string, string>,
): Record<string, unknown> | undefined {
  const hasAudits = Object.keys(audits).length > 0;
  if (c.lastStartAt === undefined && runsNewestFirst.length === 0 && !hasAudits) return undefined;
  const running = c.leaseRunId !== undefined;
  // Python keeps the output of the last finished run; here it lives on the run record.
  const lastFinished = running
    ? runsNewestFirst.find((r) => r.runId !== c.leaseRunId)
    : (runsNewestFirst.find((r) => r.runId === c.lastRunId) ?? runsNewestFirst[0]);
  return {
    running,
    last_start_ts: time(c.lastStartAt),
    last_run_ts: time(c.lastEndAt),
    last_duration_seconds: seconds(c.lastDurationMs),
    last_exit_code: c.lastExitCode ?? null,
    last_output: c.lastEndAt === undefined ? null : (lastFinished?.output ?? null),
    run_history: [...runsNewestFirst].reverse().map(historyEntry),
    ...(hasAudits ? { last_audit_at_by_item: audits } : {}),
  };
}

export async function exportPythonStore(store: TransferStore): Promise<PythonStoreExport> {
  const warnings: string[] = [];
  const notExported = (item: CorruptItem) =>
    warnings.push(`${item.key}: not exported, the item does not parse (${item.error})`);
  const { commands, corrupt } = await store.listCommands();
  corrupt.forEach(notExported);
  commands.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = new Set(commands.map((c) => c.id));

  const auditsByCommand = new Map<string, Record<string, string>>();
  for (const audit of await store.listAuditTimes(notExported)) {
    if (!ids.has(audit.commandId)) {
      warnings.push(
        `AUDIT/${audit.workItemId}: not exported, its command ${audit.commandId} no longer exists`,
      );
      continue;
    }
    const byItem = auditsByCommand.get(audit.commandId) ?? {};
    byItem[audit.workItemId] = formatPythonTime(audit.lastAuditAt);
    auditsByCommand.set(audit.commandId, byItem);
  }

  const commandsOut: Record<string, unknown> = {};
  const stateOut: Record<string, unknown> = {};
  for (const c of commands) {
    commandsOut[c.id] = spec(c);
    const runs = await store.listAllRuns(c.id, notExported);
    const s = state(c, runs, auditsByCommand.get(c.id) ?? {});
    if (s) stateOut[c.id] = s;
  }
  return {
    store: sortKeys({
      commands: commandsOut,
      state: stateOut,
      last_global_start_ts: time(await store.getLastGlobalStart()),
    }) as Record<string, unknown>,
    warnings,
  };
}

/** The text to write: two-space indent like the daemon's, with a final newline. */
export function serializePythonStore(store: Record<string, unknown>): string {
  return `${JSON.stringify(store, null, 2)}\n`;
}
