import { runWatchdog, watchdogSettings } from "../../worklog/watchdog.js";
import { worklogFor } from "../../worklog/workflows.js";
import { type CommandModule, worklogRunner } from "../module.js";
import { workflowDeps, worklogResult } from "../worklog-runner.js";
import { watchdogMetadataSchema } from "./metadata.js";

const type = "stale-delegation-watchdog";

/**
 * The `stale-delegation-watchdog` command type: puts back items AMPA has held too long
 * (app/worklog/watchdog.ts) and posts `# Stale Delegation Recovery` itself when it did.
 * Bad metadata fails the run (exit 2) before wl is called.
 */
const runner = worklogRunner(type, (deps) => async (command, ctx) => {
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
  return worklogResult(outcome.ok, outcome.output);
});

export const staleDelegationWatchdog: CommandModule = {
  type,
  runtime: "function",
  selfAnnouncing: "unless-error",
  settingsSchema: watchdogMetadataSchema,
  runner,
  statusLabel: "watchdog",
};
