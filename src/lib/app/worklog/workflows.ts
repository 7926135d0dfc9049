import { type Summarizer, summarizedBody } from "../notify/messages.js";
import type {
  Clock,
  CounterStore,
  DispatchStore,
  Notify,
  ToolOptions,
  ToolRunner,
} from "../../core/ports.js";
import type { AgentProfile } from "../agents/profiles.js";
import { type AgentRunner, agentRunner, type UsageTally } from "../agents/run.js";
import { settleAbandoned } from "./attempts.js";
import { postableText } from "../../core/untrusted-text.js";
import { DEFAULT_SETTINGS, type DelegationSettings } from "./checks.js";
import {
  attemptDeps,
  type ClaimContext,
  type DelegationDeps,
  type DelegationReport,
  type DelegationResult,
  delegationReport,
  planDelegation,
  runLiveDelegation,
} from "./delegation.js";
import { Worklog, WorklogError } from "./wl.js";

/** What the Worklog workflows need besides wl itself. */
export interface WorkflowDeps {
  /** Where wl, opencode and gh run (the Worklog repository): the workspace or AMPA_COMMAND_CWD. */
  cwd: string;
  /** What the workspace adds to their environment (secrets, GH_TOKEN). */
  extraEnv?: Readonly<Record<string, string>>;
  wlTimeoutMs: number;
  /** Epoch ms by which everything must be done (opencode gets what is left). */
  deadline: number;
  clock: Clock;
  notifier?: Notify;
  summarize?: Summarizer;
  /** Runs wl, the agent and gh (adapters/process/tool.ts). */
  runTool: ToolRunner;
  /** The run's agent, as agents/profiles.ts chose it (commandAgent, defaultAgent). */
  agent?: AgentProfile;
  /** Where the agent's reported usage is summed for the run record. */
  usage?: UsageTally;
  /** Aborts when the run loses its lease: the agent is killed. */
  signal?: AbortSignal;
}

export function worklogFor(deps: WorkflowDeps): Worklog {
  return new Worklog({
    run: deps.runTool,
    cwd: deps.cwd,
    ...(deps.extraEnv ? { extraEnv: deps.extraEnv } : {}),
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
    ...(deps.extraEnv ? { extraEnv: deps.extraEnv } : {}),
    timeoutMs: Math.max(deps.deadline - deps.clock(), 1000),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}

/** What a workflow that runs an agent needs: its agent, chosen by its caller. */
export type AgentWorkflowDeps = WorkflowDeps & { agent: AgentProfile };

/** The run's agent, run in the workspace for the time left, its usage tallied. */
export function agentFor(deps: AgentWorkflowDeps): AgentRunner {
  return agentRunner(deps.runTool, deps.agent, agentOptions(deps), deps.usage);
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

export interface DelegationOptions {
  /** Post the report; a function decides once the outcome is known (unchanged: no post). */
  post: boolean | ((outcome: DelegationOutcome) => boolean);
  live: boolean;
  /** The command's settings (checks, stages); the defaults otherwise. */
  settings?: DelegationSettings;
  /** Who claims: the command and run, and AMPA's assignee. */
  claim: ClaimContext;
  /** Where claims are recorded (the table). */
  dispatchStore?: DispatchStore;
  /** Where dispatch outcomes and escalations are counted (the table's counters). */
  counters?: CounterStore;
}

/**
 * The delegation command: the report, then live delegation when nothing is in progress
 * (unless `live` is false, i.e. `--dry-run`), then one `Delegation Report` post when
 * `post` is set. A wl failure is reported, posted, and makes the outcome not ok.
 */
export async function runDelegationWorkflow(
  deps: AgentWorkflowDeps,
  opts: DelegationOptions,
): Promise<DelegationOutcome> {
  const settings = opts.settings ?? DEFAULT_SETTINGS;
  const delegation: DelegationDeps = {
    wl: worklogFor(deps),
    agent: agentFor(deps),
    clock: deps.clock,
    settings,
    claim: opts.claim,
    ...(opts.dispatchStore ? { dispatchStore: opts.dispatchStore } : {}),
    ...(opts.counters ? { counters: opts.counters } : {}),
    ...(deps.notifier ? { notifier: deps.notifier } : {}),
  };
  let outcome: DelegationOutcome;
  try {
    // Dispatches whose run never ended are judged before the plan reads them.
    const settled =
      opts.live && !settings.auditOnly
        ? await settleAbandoned(attemptDeps(delegation), settings, deps.clock())
        : [];
    // audit_only still reports: it only stops the dispatch.
    const plan = await planDelegation(delegation, settings);
    const report = delegationReport(plan);
    let live: DelegationResult | undefined;
    if (opts.live)
      live = await runLiveDelegation(delegation, { auditOnly: settings.auditOnly }, plan);
    const output = [...settled, report.text, live?.output, live?.note].filter(Boolean).join("\n\n");
    outcome = { ok: live?.ok ?? true, report, ...(live ? { live } : {}), output };
  } catch (err) {
    if (!(err instanceof WorklogError)) throw err;
    const error = `Delegation report unavailable: ${err.message}`;
    outcome = { ok: false, error, output: error };
  }
  const post = typeof opts.post === "function" ? opts.post(outcome) : opts.post;
  if (post && deps.notifier) {
    const body = outcome.report
      ? await summarizedBody(outcome.report.text, deps.summarize)
      : (outcome.error ?? "");
    // Titles, wl's errors and a summary are outside text: neutralised under AMPA's heading.
    const message = [
      `# ${DELEGATION_REPORT_TITLE}`,
      "",
      postableText(body, { multiline: true }),
      ...(outcome.live ? ["", postableText(outcome.live.note, { multiline: true })] : []),
    ];
    outcome.posted = (await deps.notifier.send("delegation", message.join("\n"))).delivered;
  }
  return outcome;
}
