import type { LineRenderer } from "../../core/live-render.js";
import { parseAgentLine } from "./output.js";
import type { AgentProfile } from "./profiles.js";

/**
 * A run's live lines as its agent's events (`ampa logs`, the dashboard's live view): one
 * readable line per message, tool call, error or result, read by the profile's own parser.
 * Lines it does not read (AMPA's notes, a malformed event) are shown as received.
 */
export function agentLineRenderer(profile: Pick<AgentProfile, "output">): LineRenderer {
  if (profile.output === "text") return (line) => line;
  return (line) => {
    const event = parseAgentLine(profile, line);
    if (!event) return line;
    const kind = event.warning ? `${event.kind} (warning)` : event.kind;
    return event.text ? `[${kind}] ${event.text}` : `[${kind}]`;
  };
}
