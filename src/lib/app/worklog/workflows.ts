import { type Summarizer, summarizedBody } from "../notify/messages.js";
import type { Clock, Notify, ToolOptions, ToolRunner } from "../../core/ports.js";
import {
  buildDelegationReport,
  type DelegationReport,
  type DelegationResult,
  runLiveDelegation,
} from "./delegation.js";
import { Worklog, WorklogError } from "./wl.js";

/** What the Worklog workflows need besides wl itself. */
export interface WorkflowDeps {
  /** Where wl, opencode and gh run (the Worklog repository): AMPA_COMMAND_CWD. */
  cwd: string;
  wlTimeoutMs: number;
  /** Epoch ms by which everything must be done (opencode gets what is left). */
  deadline: number;
  clock: Clock;
  notifier?: Notify;
  summarize?: Summarizer;
  /** Runs wl, opencode and gh (adapters/process/tool.ts). */
  runTool: ToolRunner;
  /** Aborts when the run loses its lease: the agent is killed. */
  signal?: AbortSignal;
}

export function worklogFor(deps: WorkflowDeps): Worklog {
  return new Worklog({
    run: deps.runTool,
    cwd: deps.cwd,
    timeoutMs: Math.max(
      Math.min(deps.wlTimeoutMs, deps.deadline - deps.clock()),
      Math.min(deps.wlTimeoutMs, 1000),
    ),
  });
}

/** Options for an agent run: the time left before the deadline. */
export function agentOptions(deps: WorkflowDeps): () => ToolOptions {
  return () => ({
    cwd: deps.cwd,
    timeoutMs: Math.max(deps.deadline - deps.clock(), 1000),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}

export const DELEGATION_REPORT_TITLE = "Delegation Report";

export interface DelegationOutcome {
  ok: boolean;
  report?: DelegationReport;
  /** Set when live delegation ran (or was skipped with a note). */
  live?: DelegationResult;
  /** Why the report could not be built. */
  error?: string;
  /** The run's output: report, then what live delegation did. */
  output: string;
  /** Whether the Discord post went out (undefined when none was asked for). */
  posted?: boolean;
}

/**
 * The delegation command: the report, then live delegation when nothing is in progress
 * (unless `live` is false, i.e. `--dry-run`), then one `Delegation Report` post when
 * `post` is set. A wl failure is reported, posted, and makes the outcome not ok.
 */
export async function runDelegationWorkflow(
  deps: WorkflowDeps,
  opts: { post: boolean; live: boolean; auditOnly: boolean },
): Promise<DelegationOutcome> {
  const wl = worklogFor(deps);
  let outcome: DelegationOutcome;
  try {
    const report = await buildDelegationReport(wl);
    let live: DelegationResult | undefined;
    if (opts.live) {
      live = report.busy
        ? {
            note: "Delegation: skipped (in_progress items)",
            output: "",
            dispatched: false,
            ok: true,
          }
        : await runLiveDelegation(
            { wl, runTool: deps.runTool, opencode: agentOptions(deps) },
            { auditOnly: opts.auditOnly },
          );
    }
    const output = [report.text, live?.output, live?.note].filter(Boolean).join("\n\n");
    outcome = { ok: live?.ok ?? true, report, ...(live ? { live } : {}), output };
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    const error = `Delegation report unavailable: ${err.message}`;
    outcome = { ok: false, error, output: error };
  }
  if (opts.post && deps.notifier) {
    const body = outcome.report
      ? await summarizedBody(outcome.report.text, deps.summarize)
      : (outcome.error ?? "");
    const message = [
      `# ${DELEGATION_REPORT_TITLE}`,
      "",
      body,
      ...(outcome.live ? ["", outcome.live.note] : []),
    ];
    outcome.posted = (await deps.notifier.send("delegation", message.join("\n"))).delivered;
  }
  return outcome;
}
