import type { ToolResult } from "../../core/ports.js";
import type { AgentRun } from "../agents/run.js";

/** One line saying how a tool run went wrong, for notes and errors. */
export function describeFailure(result: ToolResult, timeoutMs?: number): string {
  const name = `${result.program} ${result.args[0] ?? ""}`.trim();
  if (result.missing) return `${result.program} is not on PATH`;
  if (result.timedOut)
    return `${name} timed out${timeoutMs === undefined ? "" : ` after ${Math.round(timeoutMs)} ms`}`;
  const stderr = result.stderr.trim().split("\n").slice(-3).join(" ").slice(0, 300);
  return `${name} exited ${result.exitCode ?? "abnormally"}${stderr ? `: ${stderr}` : ""}`;
}

/** How an agent run went wrong: its process, or the failure its output reports. */
export function describeAgentFailure(run: AgentRun): string {
  if (run.tool.exitCode !== 0) return describeFailure(run.tool);
  const said = (run.result.error ?? "").replace(/\s+/g, " ").trim().slice(0, 300);
  return `${run.tool.program} reported a failure${said ? `: ${said}` : ""}`;
}
