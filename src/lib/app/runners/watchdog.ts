import { runWatchdog, watchdogSettings } from "../worklog/watchdog.js";
import { workflowDeps, type WorklogRunnerDeps } from "./worklog.js";
import { worklogFor } from "../worklog/workflows.js";
import type { Runner } from "./index.js";

/**
 * The `stale-delegation-watchdog` command type: puts back items AMPA has held too long
 * (app/worklog/watchdog.ts) and posts `# Stale Delegation Recovery` itself when it did.
 * Bad metadata fails the run (exit 2) before wl is called.
 */
export function watchdogRunner(deps: WorklogRunnerDeps): Runner {
  return async (command, ctx) => {
    const settings = watchdogSettings(command.metadata);
    if (!settings.ok)
      return { exitCode: 2, output: settings.error, outputTruncatedBytes: 0, outcome: "failure" };
    const outcome = await runWatchdog(
      {
        wl: worklogFor(workflowDeps(deps, ctx)),
        assignee: ctx.config.delegateAssignee,
        clock: ctx.clock,
        ...(deps.dispatches ? { dispatchStore: deps.dispatches } : {}),
        ...(deps.notifier ? { notifier: deps.notifier } : {}),
      },
      settings.staleAfterMs,
    );
    return {
      exitCode: outcome.ok ? 0 : 1,
      output: outcome.output,
      outputTruncatedBytes: 0,
      outcome: outcome.ok ? "success" : "failure",
    };
  };
}
