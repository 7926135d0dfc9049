import { COMMAND_TYPES, type CommandType, DELEGABLE_STAGES } from "../../core/command.js";

/**
 * Upstream AMPA's command types, as an import brings them in. Types we run map onto ours;
 * the others come in paused (as `shell`, their command kept) with a note naming what is
 * missing, so a store never fails to import over a type. Pure.
 */

export interface TypeMapping {
  type: CommandType;
  metadata: Record<string, unknown>;
  /** Why the command is imported paused, when it is. */
  pausedBecause?: string;
  /** How the type was mapped, for the import's notes. */
  note?: string;
}

const isOurs = (t: string): t is CommandType => (COMMAND_TYPES as readonly string[]).includes(t);

/** Upstream runners that are delegation limited to stages. */
const STAGE_RUNNERS: Record<string, string[]> = {
  "intake-runner": ["idea"],
  "plan-runner": ["intake_complete"],
};

function stageRunner(
  upstream: string,
  stages: string[],
  metadata: Record<string, unknown>,
  missing: string[],
): TypeMapping {
  // A stage delegation cannot dispatch would fail every run on its metadata: paused instead.
  const foreign = stages.filter((s) => !(DELEGABLE_STAGES as readonly string[]).includes(s));
  const needs = [
    ...(foreign.length ? [`delegable stages only (not ${foreign.join(", ")})`] : []),
    ...missing,
  ];
  return {
    type: "delegation",
    metadata: { ...metadata, stages },
    note: `upstream type "${upstream}" imported as delegation with metadata.stages ${JSON.stringify(stages)}`,
    ...(needs.length ? { pausedBecause: `needs ${needs.join(", ")}` } : {}),
  };
}

/** What an upstream command of `type` (absent: shell) becomes here. */
export function mapUpstreamType(
  type: string | undefined,
  metadata: Record<string, unknown>,
  agent: string | undefined,
): TypeMapping {
  const meta = agent === undefined ? metadata : { ...metadata, agent };
  const mapping = mapType(type ?? "shell", meta);
  const notes = [
    mapping.note,
    agent === undefined
      ? undefined
      : `agent "${agent}" kept in metadata.agent (AMPA serverless probes one LLM, AMPA_LLM_HEALTHCHECK_URL)`,
  ].filter(Boolean);
  // Upstream's runners skip themselves when `enabled` is false: so does the import.
  const disabled = meta.enabled === false || meta.enabled === "false";
  return {
    ...mapping,
    ...(notes.length ? { note: notes.join("; ") } : {}),
    ...(disabled && !mapping.pausedBecause ? { pausedBecause: "metadata.enabled is false" } : {}),
  };
}

function mapType(type: string, metadata: Record<string, unknown>): TypeMapping {
  if (isOurs(type)) return { type, metadata };
  if (type === "command")
    return { type: "shell", metadata, note: 'upstream type "command" imported as shell' };
  if (type === "audit")
    return {
      type: "review-audit",
      metadata,
      note: 'upstream type "audit" (its audit poller of items in review) imported as review-audit',
    };
  const stages = STAGE_RUNNERS[type];
  if (stages) return stageRunner(type, stages, metadata, []);
  if (type === "auto-delegate") {
    const eligible = Array.isArray(metadata.eligible_stages)
      ? metadata.eligible_stages.filter((s): s is string => typeof s === "string")
      : ["plan_complete"];
    return stageRunner(type, eligible, metadata, [
      "eligible_priorities, max_retries (not supported)",
    ]);
  }
  return {
    type: "shell",
    metadata,
    pausedBecause: `upstream type "${type}" has no runner in AMPA serverless; resumed, its command would run as a shell command`,
  };
}
