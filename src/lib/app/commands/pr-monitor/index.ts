import { worklogFor } from "../../worklog/workflows.js";
import { type CommandModule, notImplementedRunner } from "../module.js";
import { workflowDeps, worklogResult } from "../worklog-runner.js";
import { prMonitorMetadataSchema } from "./metadata.js";
import { prMonitorSettings, runPrMonitor } from "./monitor.js";

const type = "pr-monitor";

/** The `pr-monitor` command type: posts one `# PR Monitor — …` message per newly failing PR. */
export const prMonitor: CommandModule = {
  type,
  runtime: "function",
  selfAnnouncing: "unless-error",
  metadataSchema: prMonitorMetadataSchema,
  runner: ({ worklog, runTool, prReports }) => {
    if (!worklog || !prReports) return notImplementedRunner(type);
    const deps = { ...worklog, runTool };
    return async (command, ctx) => {
      const wf = workflowDeps(deps, ctx);
      const outcome = await runPrMonitor(
        {
          commandId: command.id,
          wl: worklogFor(wf),
          store: prReports,
          runTool,
          ...(deps.notifier ? { notifier: deps.notifier } : {}),
          clock: ctx.clock,
          gh: () => ({
            cwd: wf.cwd,
            timeoutMs: Math.max(Math.min(wf.wlTimeoutMs, ctx.deadline - ctx.clock()), 1000),
          }),
        },
        prMonitorSettings(command.metadata),
      );
      return worklogResult(outcome.ok, outcome.output);
    };
  },
};
