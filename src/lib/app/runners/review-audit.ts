import type { PrReportStore } from "../../core/ports.js";
import { prMonitorSettings, runPrMonitor } from "../pr-monitor/monitor.js";
import { reviewAuditSettings, runReviewAudit } from "../worklog/review-audit.js";
import { WorklogError } from "../worklog/wl.js";
import { agentOptions, worklogFor } from "../worklog/workflows.js";
import type { Runner, RunnerResult } from "./index.js";
import { workflowDeps, type WorklogRunnerDeps } from "./worklog.js";

const result = (ok: boolean, output: string): RunnerResult => ({
  exitCode: ok ? 0 : 1,
  output,
  outputTruncatedBytes: 0,
  outcome: ok ? "success" : "failure",
});

/**
 * The `review-audit` command type: audits one item in review and posts
 * `# Review Audit — <title>` itself. A wl failure while choosing the item fails the run, unposted.
 */
export function reviewAuditRunner(deps: WorklogRunnerDeps): Runner {
  return async (command, ctx) => {
    const wf = workflowDeps(deps, ctx);
    try {
      const outcome = await runReviewAudit(
        {
          commandId: command.id,
          wl: worklogFor(wf),
          store: deps.store,
          runTool: deps.runTool,
          ...(deps.notifier ? { notifier: deps.notifier } : {}),
          clock: ctx.clock,
          agent: agentOptions(wf),
        },
        reviewAuditSettings(command.metadata),
      );
      return result(outcome.ok, outcome.output);
    } catch (err) {
      if (!(err instanceof WorklogError)) throw err;
      return result(false, `Review audit failed: ${err.message}`);
    }
  };
}

/** The `pr-monitor` command type: posts one `# PR Monitor — …` message per newly failing PR. */
export function prMonitorRunner(deps: WorklogRunnerDeps & { prReports: PrReportStore }): Runner {
  return async (command, ctx) => {
    const wf = workflowDeps(deps, ctx);
    const outcome = await runPrMonitor(
      {
        commandId: command.id,
        wl: worklogFor(wf),
        store: deps.prReports,
        runTool: deps.runTool,
        ...(deps.notifier ? { notifier: deps.notifier } : {}),
        clock: ctx.clock,
        gh: () => ({
          cwd: wf.cwd,
          timeoutMs: Math.max(Math.min(wf.wlTimeoutMs, ctx.deadline - ctx.clock()), 1000),
        }),
      },
      prMonitorSettings(command.metadata),
    );
    return result(outcome.ok, outcome.output);
  };
}
