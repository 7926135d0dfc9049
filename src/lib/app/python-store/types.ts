import { switchedOn } from "../../core/command-metadata.js";
import {
  agentProblem,
  commandModule,
  DEFAULT_COMMAND_TYPE,
  type TypeMapping,
  upstreamMapping,
} from "../commands/registry.js";

/**
 * Upstream AMPA's command types, as an import brings them in. Types we run map onto ours
 * (each module names the upstream types it takes in: app/commands/<type>/); the others
 * come in paused (as the default type, their command kept) with a note naming what is
 * missing, so a store never fails to import over a type. Pure.
 */

export type { TypeMapping } from "../commands/registry.js";

/** What an upstream command of `type` (absent: the default type) becomes here. */
export function mapUpstreamType(
  type: string | undefined,
  metadata: Record<string, unknown>,
  agent: string | undefined,
): TypeMapping {
  const settings = upstreamSettings(agent === undefined ? metadata : { ...metadata, agent });
  const mapped = mapType(type ?? DEFAULT_COMMAND_TYPE, settings.metadata);
  const { metadata: meta, note: agentNote } = importableAgent(mapped, agent);
  const notes = [mapped.note, ...settings.notes, agentNote].filter(Boolean);
  // Upstream's runners skip themselves when `enabled` is false: so does the import.
  const disabled = meta.enabled === false || meta.enabled === "false";
  return {
    ...mapped,
    metadata: meta,
    ...(notes.length ? { note: notes.join("; ") } : {}),
    ...(disabled && !mapped.pausedBecause ? { pausedBecause: "metadata.enabled is false" } : {}),
  };
}

/**
 * The command's agent as it can run here. One AMPA cannot run (upstream's opencode
 * personas, "Casey", "Riley") or on a type that runs none is left out, not the command:
 * it comes in with the stage's default agent, and the note says what was dropped.
 */
function importableAgent(
  mapped: TypeMapping,
  agent: string | undefined,
): { metadata: Record<string, unknown>; note?: string } {
  const problem = agentProblem(mapped.type, mapped.metadata);
  if (problem) {
    const { agent: _agent, agent_profile: _profile, ...rest } = mapped.metadata;
    const instead = commandModule(mapped.type).runsAgent
      ? "; it runs the stage's default agent (AMPA_DEFAULT_AGENT, else opencode)"
      : "";
    return { metadata: rest, note: `metadata ${problem}: left out${instead}` };
  }
  return agent === undefined
    ? { metadata: mapped.metadata }
    : { metadata: mapped.metadata, note: `agent ${JSON.stringify(agent)} → metadata.agent` };
}

/**
 * Why a command cannot come in as written: upstream's `agent` and `metadata.agent` name
 * different agents, and which one was meant is the operator's call.
 */
export function agentError(
  agent: string | undefined,
  metadata: Record<string, unknown>,
): string | undefined {
  if (agent !== undefined && metadata.agent !== undefined && metadata.agent !== agent)
    return `agent ${JSON.stringify(agent)} and metadata.agent ${JSON.stringify(metadata.agent)} differ`;
  return undefined;
}

function mapType(type: string, metadata: Record<string, unknown>): TypeMapping {
  return (
    upstreamMapping(type, metadata) ?? {
      type: DEFAULT_COMMAND_TYPE,
      metadata,
      pausedBecause: `upstream type "${type}" has no runner in AMPA serverless; resumed, its command would run as a shell command`,
    }
  );
}

/** The switches upstream reads with `_bool_meta` (scheduler_types.py). */
const SWITCHES = ["audit_only", "auto_assign_enabled"] as const;

/**
 * Settings as upstream reads them, made explicit so they mean the same here: switches
 * become booleans, and `audit_cooldown_hours_in_review`, which upstream never reads (its
 * audit poller reads `audit_cooldown_hours`, 6 h when unset), is dropped rather than let
 * it override. Each change is named for the import's notes.
 */
function upstreamSettings(metadata: Record<string, unknown>): {
  metadata: Record<string, unknown>;
  notes: string[];
} {
  const out = { ...metadata };
  const notes: string[] = [];
  if ("audit_cooldown_hours_in_review" in out) {
    const kept = out.audit_cooldown_hours;
    notes.push(
      `metadata.audit_cooldown_hours_in_review dropped (upstream reads audit_cooldown_hours only: ${kept === undefined ? "6 h, its default" : `${JSON.stringify(kept)} h`})`,
    );
    delete out.audit_cooldown_hours_in_review;
  }
  for (const key of SWITCHES) {
    if (!(key in out) || typeof out[key] === "boolean") continue;
    const on = switchedOn(out[key]);
    notes.push(`metadata.${key} ${JSON.stringify(out[key])} read as ${on}, as upstream reads it`);
    out[key] = on;
  }
  if (out.auto_assign_enabled === false)
    notes.push("metadata.auto_assign_enabled is false: reports only, dispatches nothing");
  return { metadata: out, notes };
}
