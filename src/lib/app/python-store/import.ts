import type { Command, RunRecord } from "../../core/command.js";
import { AmpaError } from "../../core/errors.js";
import type { AuditTime, TransferStore } from "../../core/ports.js";
import type { ParsedCommand, ParsedPythonStore } from "./parse.js";

/**
 * Importing a parsed Python store: first a plan (reads only), then its writes. The file
 * wins for each command it holds (spec and schedule state); runs are merged with the
 * store's by start time and cut to the history limit; audit times and the last global
 * start only ever move forward. A second import of the same file plans no writes.
 */

export interface CommandPlan {
  id: string;
  action: "new" | "update" | "unchanged";
  command: Command;
  runsToWrite: RunRecord[];
  runsToDelete: RunRecord[];
  runsUnchanged: number;
  /** Runs of the file older than the newest `maxRunHistory`: not imported. */
  runsDropped: number;
  abandonedRun: boolean;
}

export interface ImportPlan {
  commands: CommandPlan[];
  audits: { toWrite: AuditTime[]; unchanged: number };
  globalStart: { at: number | undefined; write: boolean };
  warnings: string[];
  /** Commands of the file left out, and why. */
  errors: string[];
}

export interface ImportOptions {
  maxRunHistory: number;
  /** createdAt of commands new to the store. */
  now: number;
}

const RUN_CONTENT = [
  "startedAt",
  "endedAt",
  "durationMs",
  "exitCode",
  "outcome",
  "output",
] as const satisfies readonly (keyof RunRecord)[];

function sameRun(a: RunRecord, b: RunRecord): boolean {
  return RUN_CONTENT.every((k) => a[k] === b[k]);
}

/** JSON with sorted keys and no undefined: equal values give equal text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** What importing would change. Reads the store; writes nothing. */
export async function planImport(
  store: TransferStore,
  parsed: ParsedPythonStore,
  opts: ImportOptions,
): Promise<ImportPlan> {
  const { commands: existingCommands } = await store.listCommands();
  const existingById = new Map(existingCommands.map((c) => [c.id, c]));
  refuseWhileRunning(parsed.commands.map((c) => existingById.get(c.spec.id)));
  const commands: CommandPlan[] = [];
  for (const imported of parsed.commands)
    commands.push(await planCommand(store, imported, existingById.get(imported.spec.id), opts));
  return {
    commands,
    audits: await planAudits(store, parsed.commands),
    globalStart: await planGlobalStart(store, parsed.lastGlobalStartAt),
    warnings: parsed.warnings,
    errors: parsed.errors,
  };
}

/** A command running in the store now would have its lease overwritten: import nothing. */
function refuseWhileRunning(existing: (Command | undefined)[]): void {
  const busy = existing.filter((c): c is Command => c?.leaseRunId !== undefined);
  if (busy.length === 0) return;
  throw new AmpaError(
    `Nothing was imported: ${busy
      .map(
        (c) =>
          `${c.id} is running in this store now (lease held by ${c.leaseOwner ?? "unknown"} until ${new Date(c.leaseExpiresAt ?? 0).toISOString()})`,
      )
      .join("; ")}. Import again when it has finished.`,
    "lease-held",
  );
}

async function planCommand(
  store: TransferStore,
  imported: ParsedCommand,
  existing: Command | undefined,
  opts: ImportOptions,
): Promise<CommandPlan> {
  // Also when the command is missing: an interrupted import may have written its runs.
  const storedRuns = await store.listAllRuns(imported.spec.id);
  const runs = planRuns(imported.runs, storedRuns, opts.maxRunHistory);
  const command = importedCommand(imported, existing, runs.fileRuns, opts.now);
  const action = !existing
    ? "new"
    : canonical(existing) === canonical(command)
      ? "unchanged"
      : "update";
  return {
    id: imported.spec.id,
    action,
    command,
    runsToWrite: runs.toWrite,
    runsToDelete: runs.toDelete,
    runsUnchanged: runs.unchanged,
    runsDropped: runs.dropped,
    abandonedRun: imported.abandonedRun,
  };
}

/**
 * The file's runs merged with the stored ones by start, newest first, cut to the history
 * limit: what to write, what to delete, and the file's runs under the ids the store knows.
 */
function planRuns(importedRuns: RunRecord[], storedRuns: RunRecord[], maxRunHistory: number) {
  const storedByStart = new Map<number, RunRecord>();
  for (const run of storedRuns)
    if (!storedByStart.has(run.startedAt)) storedByStart.set(run.startedAt, run);

  // The same run (same start) keeps the id it has in the store.
  const fileRuns = importedRuns.map((run) => {
    const stored = storedByStart.get(run.startedAt);
    return stored ? { ...stored, ...run, runId: stored.runId, trigger: stored.trigger } : run;
  });
  const fileStarts = new Set(fileRuns.map((r) => r.startedAt));
  const merged = [
    ...fileRuns.map((run) => ({ run, fromFile: true })),
    ...storedRuns
      .filter((r) => !fileStarts.has(r.startedAt) || storedByStart.get(r.startedAt) !== r)
      .map((run) => ({ run, fromFile: false })),
  ].sort((a, b) => b.run.startedAt - a.run.startedAt || (a.fromFile ? -1 : 1));

  const kept = merged.slice(0, maxRunHistory);
  const beyond = merged.slice(maxRunHistory);
  const toWrite: RunRecord[] = [];
  let unchanged = 0;
  for (const { run, fromFile } of kept) {
    if (!fromFile) continue;
    const stored = storedByStart.get(run.startedAt);
    if (stored && sameRun(stored, run)) unchanged++;
    else toWrite.push(run);
  }
  const toDelete: RunRecord[] = [];
  for (const { run, fromFile } of beyond) {
    const stored = fromFile ? storedByStart.get(run.startedAt) : run;
    if (stored) toDelete.push(stored);
  }
  return {
    fileRuns,
    toWrite,
    toDelete,
    unchanged,
    dropped: beyond.filter((b) => b.fromFile).length,
  };
}

/**
 * The command as the file defines it; `paused` and `createdAt` kept from the store. The
 * Python format has no schedule anchor: an imported command is anchored at its last start
 * (see core/scheduler), unless the store already holds that same start, whose anchor and
 * place in the fair queue are kept.
 */
function importedCommand(
  imported: ParsedCommand,
  existing: Command | undefined,
  fileRuns: RunRecord[],
  now: number,
): Command {
  const lastRun =
    imported.state.lastRunId === undefined || imported.state.lastStartAt === undefined
      ? undefined
      : fileRuns.find((r) => r.startedAt === imported.state.lastStartAt);
  const sameStart = existing !== undefined && existing.lastStartAt === imported.state.lastStartAt;
  return {
    ...imported.spec,
    paused: imported.paused ?? existing?.paused ?? false,
    createdAt: existing?.createdAt ?? now,
    ...imported.state,
    ...(lastRun ? { lastRunId: lastRun.runId } : {}),
    ...(sameStart && existing.dueAt !== undefined ? { dueAt: existing.dueAt } : {}),
    ...(sameStart && existing.virtualFinish !== undefined
      ? { virtualFinish: existing.virtualFinish }
      : {}),
    // The same last run: its result hash (not in the file) still describes it.
    ...(sameStart && existing.lastResultHash !== undefined
      ? { lastResultHash: existing.lastResultHash }
      : {}),
  };
}

/** One audit time per work item: the latest, wherever it came from; written only forward. */
async function planAudits(
  store: TransferStore,
  commands: ParsedCommand[],
): Promise<ImportPlan["audits"]> {
  const wanted = new Map<string, AuditTime>();
  for (const imported of commands) {
    for (const a of imported.audits) {
      const current = wanted.get(a.workItemId);
      if (!current || a.lastAuditAt > current.lastAuditAt)
        wanted.set(a.workItemId, { ...a, commandId: imported.spec.id });
    }
  }
  const storedAudits = new Map((await store.listAuditTimes()).map((a) => [a.workItemId, a]));
  const toWrite = [...wanted.values()].filter(
    (a) =>
      (storedAudits.get(a.workItemId)?.lastAuditAt ?? Number.NEGATIVE_INFINITY) < a.lastAuditAt,
  );
  return { toWrite, unchanged: wanted.size - toWrite.length };
}

/** The last global start moves forward only. */
async function planGlobalStart(
  store: TransferStore,
  at: number | undefined,
): Promise<ImportPlan["globalStart"]> {
  const storedGlobal = await store.getLastGlobalStart();
  return { at, write: at !== undefined && (storedGlobal === undefined || storedGlobal < at) };
}

/**
 * Carries out a plan with single-item writes: per command its runs, then the command
 * (so a scheduler never sees the command before its history), then audit times and the
 * global start. Interrupted, it is safe to run the same import again.
 */
export async function applyImport(store: TransferStore, plan: ImportPlan): Promise<void> {
  const blocked: string[] = [];
  for (const c of plan.commands) {
    for (const run of c.runsToWrite) await store.putRunRecord(run);
    for (const run of c.runsToDelete) await store.deleteRun(run);
    if (c.action !== "unchanged" && !(await store.putCommandWithState(c.command)))
      blocked.push(c.id);
  }
  for (const audit of plan.audits.toWrite) await store.putAuditTime(audit);
  if (plan.globalStart.write && plan.globalStart.at !== undefined)
    await store.advanceLastGlobalStart(plan.globalStart.at);
  if (blocked.length > 0) {
    throw new AmpaError(
      `Started running while being imported, so their definition and state were not written: ${blocked.join(", ")}. Everything else was. Import again when they have finished.`,
      "lease-held",
    );
  }
}
