import type { ImportPlan } from "../lib/app/python-store/import.js";

interface SummaryOptions {
  file: string;
  target: string;
  dryRun: boolean;
  maxRunHistory: number;
}

/** What `ampa import` did (or, with --dry-run, would do): the --json result. */
export function importJson(plan: ImportPlan, opts: SummaryOptions): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    file: opts.file,
    target: opts.target,
    dryRun: opts.dryRun,
    commands: plan.commands.map((c) => ({
      id: c.id,
      action: c.action,
      runsWritten: c.runsToWrite.length,
      runsUnchanged: c.runsUnchanged,
      runsNotImported: c.runsDropped,
      runsDeleted: c.runsToDelete.length,
      lastStartAt: iso(c.command.lastStartAt),
      abandonedRun: c.abandonedRun,
    })),
    auditTimes: { written: plan.audits.toWrite.length, unchanged: plan.audits.unchanged },
    lastGlobalStart: { at: iso(plan.globalStart.at), written: plan.globalStart.write },
    warnings: plan.warnings,
    errors: plan.errors,
  };
}

/** What `ampa import` did (or, with --dry-run, would do), one line per command. */
export function importSummary(plan: ImportPlan, opts: SummaryOptions): string {
  const count = (action: string) => plan.commands.filter((c) => c.action === action).length;
  const sum = (f: (c: ImportPlan["commands"][number]) => number) =>
    plan.commands.reduce((n, c) => n + f(c), 0);
  const verb = opts.dryRun ? "to write" : "written";
  const lines = [
    opts.dryRun
      ? `Dry run: importing ${opts.file} into ${opts.target} would do this (nothing was written):`
      : `Imported ${opts.file} into ${opts.target}:`,
  ];
  const idWidth = Math.min(Math.max(...plan.commands.map((c) => c.id.length), 2), 24);
  for (const c of plan.commands) {
    const last =
      c.command.lastStartAt === undefined
        ? "never run"
        : `last start ${new Date(c.command.lastStartAt).toISOString()}`;
    const runs = c.runsToWrite.length + c.runsUnchanged;
    lines.push(
      `  ${c.id.padEnd(idWidth)}  ${c.action.padEnd(9)}  ${String(runs).padStart(4)} runs  ${last}${c.abandonedRun ? " (abandoned)" : ""}`,
    );
  }
  lines.push(
    `Commands: ${count("new")} new, ${count("update")} updated, ${count("unchanged")} unchanged.`,
    `Runs: ${sum((c) => c.runsToWrite.length)} ${verb}, ${sum((c) => c.runsUnchanged)} unchanged, ` +
      `${sum((c) => c.runsDropped)} older than the newest ${opts.maxRunHistory} not imported, ` +
      `${sum((c) => c.runsToDelete.length)} stored ${opts.dryRun ? "to delete" : "deleted"} to keep the limit.`,
    `Triage audit times: ${plan.audits.toWrite.length} ${verb}, ${plan.audits.unchanged} unchanged.`,
    plan.globalStart.at === undefined
      ? "Last global start: none in the file."
      : `Last global start: ${new Date(plan.globalStart.at).toISOString()} ${plan.globalStart.write ? verb : "unchanged (the store's is as recent)"}.`,
  );
  if (plan.warnings.length > 0) {
    lines.push("Notes:");
    for (const w of plan.warnings) lines.push(`  ${w}`);
  }
  if (plan.errors.length > 0) {
    lines.push(`Not imported (${plan.errors.length}; fix them in the file and import again):`);
    for (const e of plan.errors) lines.push(`  ${e}`);
  }
  return lines.join("\n");
}
