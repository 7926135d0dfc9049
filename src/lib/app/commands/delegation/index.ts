import { postsUnchanged, resultHash } from "../../../core/result-hash.js";
import { delegationSettings } from "../../worklog/checks.js";
import { runDelegationWorkflow } from "../../worklog/workflows.js";
import { type CommandModule, type TypeMapping, worklogRunner } from "../module.js";
import type { Runner } from "../../../core/ports.js";
import { agentMetadataSchema } from "../../agents/profiles.js";
import {
  runnerAgent,
  withUsage,
  workflowDeps,
  worklogResult,
  type WorklogRunnerDeps,
} from "../worklog-runner.js";
import { DELEGABLE_STAGES, delegationMetadataSchema } from "./metadata.js";

const type = "delegation";

/**
 * The `delegation` command type: runs live delegation unless `metadata.audit_only`, with
 * the checks and stages of its metadata, and posts its own `Delegation Report` when it
 * differs from the last run's result (or `metadata.post_unchanged`).
 * Bad metadata fails the run (exit 2), unposted.
 */
export const delegationRunner =
  (deps: WorklogRunnerDeps): Runner =>
  async (command, ctx) => {
    const parsed = delegationSettings(command.metadata);
    if (!parsed.ok)
      return { exitCode: 2, output: parsed.error, outputTruncatedBytes: 0, outcome: "failure" };
    const agent = runnerAgent(command.metadata, ctx);
    if (!agent.ok) return agent.result;
    const outcome = await runDelegationWorkflow(workflowDeps(deps, ctx, agent), {
      // Like any command's result: a report identical to the last run's is not posted again.
      post: (o) =>
        postsUnchanged(command.metadata) ||
        command.lastResultHash !== resultHash(worklogResult(o.ok, o.output)),
      live: true,
      settings: parsed.settings,
      claim: { commandId: ctx.commandId, runId: ctx.runId, assignee: ctx.config.delegateAssignee },
      ...(deps.dispatches ? { dispatchStore: deps.dispatches, counters: deps.dispatches } : {}),
    });
    return withUsage(worklogResult(outcome.ok, outcome.output), agent.usage);
  };

/**
 * Upstream's intake and plan runners bound the dispatches of one item by `max_retries`
 * (default 3, then a permanent failure): the same count as `max_attempts` here.
 */
function withAttempts(metadata: Record<string, unknown>): {
  metadata: Record<string, unknown>;
  notes: string[];
} {
  const { max_retries: retries, ...rest } = metadata;
  if (retries === undefined || rest.max_attempts !== undefined) return { metadata, notes: [] };
  const n = Number(retries);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    return { metadata, notes: [`metadata.max_retries ${JSON.stringify(retries)} not used`] };
  return {
    metadata: { ...rest, max_attempts: n },
    notes: [`metadata.max_retries ${n} → max_attempts ${n}`],
  };
}

/** An upstream runner that is delegation limited to stages; paused when it needs more. */
function stageRunner(
  upstream: string,
  stages: string[],
  given: Record<string, unknown>,
  missing: string[],
  { retriesBoundItems = true } = {},
): TypeMapping {
  const { metadata, notes } = retriesBoundItems
    ? withAttempts(given)
    : { metadata: given, notes: [] };
  // A stage delegation cannot dispatch would fail every run on its metadata: paused instead.
  const foreign = stages.filter((s) => !(DELEGABLE_STAGES as readonly string[]).includes(s));
  const needs = [
    ...(foreign.length ? [`delegable stages only (not ${foreign.join(", ")})`] : []),
    ...missing,
  ];
  return {
    type,
    metadata: { ...metadata, stages },
    note: [
      `upstream type "${upstream}" imported as delegation with metadata.stages ${JSON.stringify(stages)}`,
      ...notes,
    ].join("; "),
    ...(needs.length ? { pausedBecause: `needs ${needs.join(", ")}` } : {}),
  };
}

/** Agent sessions need the workspace and run long: a task by default. */
export const delegation: CommandModule = {
  type,
  runtime: "task",
  runsAgent: true,
  selfAnnouncing: "unless-error",
  metadataSchema: agentMetadataSchema,
  settingsSchema: delegationMetadataSchema,
  runner: worklogRunner(type, delegationRunner),
  upstreamTypes: {
    "intake-runner": (upstream, metadata) => stageRunner(upstream, ["idea"], metadata, []),
    "plan-runner": (upstream, metadata) => stageRunner(upstream, ["intake_complete"], metadata, []),
    "auto-delegate": (upstream, metadata) => {
      const eligible = Array.isArray(metadata.eligible_stages)
        ? metadata.eligible_stages.filter((s): s is string => typeof s === "string")
        : ["plan_complete"];
      // Its max_retries retries `wl gh delegate` within one run: not a bound per item.
      return stageRunner(
        upstream,
        eligible,
        metadata,
        ["eligible_priorities, max_retries (not supported)"],
        { retriesBoundItems: false },
      );
    },
  },
};
