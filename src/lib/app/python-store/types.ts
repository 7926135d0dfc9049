import { DEFAULT_COMMAND_TYPE, type TypeMapping, upstreamMapping } from "../commands/registry.js";

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
  const meta = agent === undefined ? metadata : { ...metadata, agent };
  const mapping = mapType(type ?? DEFAULT_COMMAND_TYPE, meta);
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
  return (
    upstreamMapping(type, metadata) ?? {
      type: DEFAULT_COMMAND_TYPE,
      metadata,
      pausedBecause: `upstream type "${type}" has no runner in AMPA serverless; resumed, its command would run as a shell command`,
    }
  );
}
