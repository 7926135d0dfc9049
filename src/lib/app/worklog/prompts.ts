import { isWorkItemId, WorklogError } from "./wl.js";

/**
 * Every prompt AMPA gives an agent (`opencode run <prompt>`), in one place. A prompt carries
 * one value from outside, a work item id, and only once it is a well-formed Worklog id: no
 * title, description, PR text or output is ever put into one (the agent reads the item
 * itself, where the PR monitor's text is quoted as data). The summarizer's prompt lives with
 * the summarizer (adapters/process/programs.ts).
 */

/** The id, or a WorklogError: text that is not an id never reaches a prompt. */
export function promptId(id: string): string {
  if (!isWorkItemId(id))
    throw new WorklogError(
      `refusing to prompt an agent with a malformed work item id ${JSON.stringify(id.slice(0, 80))}`,
    );
  return id;
}

/** Stage → what is dispatched, and the name used in the note. */
export const DISPATCH_BY_STAGE: Record<string, { action: string; prompt: (id: string) => string }> =
  {
    // Intake runs unattended: the agent must not wait for answers nobody will give.
    idea: {
      action: "intake",
      prompt: (id) =>
        `/intake ${promptId(id)} Work without asking questions: where something is unclear, make a reasonable assumption and record it on the work item.`,
    },
    intake_complete: { action: "plan", prompt: (id) => `/plan ${promptId(id)}` },
    plan_complete: {
      action: "implement",
      prompt: (id) => `work on ${promptId(id)} using the implement skill`,
    },
  };

/** The triage and review audits' prompt. */
export const auditPrompt = (id: string): string => `/audit ${promptId(id)}`;
