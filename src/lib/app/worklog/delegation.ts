import type { ToolOptions, ToolRunner } from "../../core/ports.js";
import { describeFailure } from "./tool-failure.js";
import { isWorkItemId, type NextCandidate, type WorkItem, type Worklog } from "./wl.js";

/**
 * The delegation report and live delegation (seed: "Delegation report", "Live delegation",
 * "Candidate selection"). Everything from wl is untrusted: ids are checked against the
 * Worklog id pattern and every value goes to a program as one argv element.
 */

/** How many `wl next` candidates the report lists. */
export const REPORT_CANDIDATES = 3;
export const IDLE_SUMMARY = "Summary: delegation is idle (no in-progress items or candidates).";
export const BUSY_HEADING = "Agents are currently busy with:";

export interface DelegationReport {
  text: string;
  /** True when items are in progress (live delegation would be a no-op). */
  busy: boolean;
}

const candidateLine = (c: WorkItem) =>
  `- ${c.title} - ${c.id} (status: ${c.status || "unknown"}, priority: ${c.priority || "unknown"})`;

/** The busy variant from the plain tree lines (or the JSON items when the tree is unavailable). */
export function busyReport(lines: string[]): string {
  return [BUSY_HEADING, ...lines.map((l) => `── ${l}`)].join("\n");
}

/** The full report, when nothing is in progress. */
export function idleReport(candidates: NextCandidate[]): string {
  const top = candidates[0];
  return [
    "AMPA Delegation",
    "In-progress items:",
    "- (none)",
    "Candidates:",
    ...(candidates.length ? candidates.map((c) => candidateLine(c.item)) : ["- (none)"]),
    "Top candidate:",
    ...(top
      ? [candidateLine(top.item), `Rationale: ${top.reason || "first candidate from wl next"}`]
      : ["- (none)", IDLE_SUMMARY]),
  ].join("\n");
}

/** Builds the report from wl. Throws WorklogError when wl cannot answer. */
export async function buildDelegationReport(wl: Worklog): Promise<DelegationReport> {
  const inProgress = await wl.inProgress();
  if (inProgress.length > 0) {
    let lines: string[];
    try {
      lines = await wl.inProgressTree();
    } catch {
      lines = [];
    }
    if (lines.length === 0) lines = inProgress.map((i) => `${i.title} - ${i.id}`);
    return { busy: true, text: busyReport(lines) };
  }
  return { busy: false, text: idleReport(await wl.next(REPORT_CANDIDATES)) };
}

/** Stage → what is dispatched, and the name used in the note. */
export const DISPATCH_BY_STAGE: Record<string, { action: string; prompt: (id: string) => string }> =
  {
    idea: { action: "intake", prompt: (id) => `/intake ${id}` },
    intake_complete: { action: "plan", prompt: (id) => `/plan ${id}` },
    plan_complete: {
      action: "implement",
      prompt: (id) => `work on ${id} using the implement skill`,
    },
  };

export interface DelegationResult {
  /** One line for the run record and Discord: `Delegation: …`. */
  note: string;
  /** `Starting work on` + the item summary when something was dispatched. */
  output: string;
  dispatched: boolean;
  /** False when an external tool failed (the run is a failure). */
  ok: boolean;
}

export interface DelegationDeps {
  wl: Worklog;
  runTool: ToolRunner;
  /** cwd, env and the time opencode may take (the run's remaining time). */
  opencode: () => ToolOptions;
}

const DESCRIPTION_EXCERPT = 500;

/** The markdown summary of an item dispatched to an agent, from `wl show <id> --json`. */
export function itemSummary(item: WorkItem): string {
  const description = item.description.trim();
  const excerpt =
    description.length > DESCRIPTION_EXCERPT
      ? `${description.slice(0, DESCRIPTION_EXCERPT)}…`
      : description || "(no description)";
  return [
    `# ${item.title} - ${item.id}`,
    "",
    `- ID: ${item.id}`,
    `- Status/Stage: ${item.status || "unknown"}/${item.stage || "unknown"}`,
    `- Priority: ${item.priority || "unknown"}`,
    `- Assignee: ${item.assignee || "(unassigned)"}`,
    "",
    excerpt,
    "",
    "```json",
    JSON.stringify(item.raw, null, 2).replaceAll("```", "`\u200b``"),
    "```",
  ].join("\n");
}

const skipped = (why: string, ok = true): DelegationResult => ({
  note: `Delegation: skipped (${why})`,
  output: "",
  dispatched: false,
  ok,
});

/**
 * Live delegation: a no-op while anything is in progress; otherwise the top `wl next`
 * candidate is dispatched by stage with `opencode run <prompt>`.
 */
export async function runLiveDelegation(
  deps: DelegationDeps,
  opts: { auditOnly: boolean },
): Promise<DelegationResult> {
  if (opts.auditOnly) return skipped("audit_only");
  const { wl } = deps;
  let top: NextCandidate | undefined;
  try {
    if ((await wl.inProgress()).length > 0) return skipped("in_progress items");
    top = (await wl.next())[0];
  } catch (err) {
    return skipped(`wl failed: ${(err as Error).message}`, false);
  }
  if (!top) return skipped("no candidates");
  const { item } = top;
  if (!isWorkItemId(item.id)) {
    return skipped(`malformed work item id ${JSON.stringify(item.id.slice(0, 80))}`, false);
  }
  const dispatch = DISPATCH_BY_STAGE[item.stage];
  if (!dispatch) return skipped(`stage ${JSON.stringify(item.stage)} of ${item.id}`);
  let header: string;
  try {
    header = `Starting work on\n\n${itemSummary((await wl.show(item.id)).item)}`;
  } catch {
    header = `Starting work on: ${item.title} - ${item.id}`;
  }
  const run = await deps.runTool("opencode", ["run", dispatch.prompt(item.id)], deps.opencode());
  if (run.exitCode !== 0) {
    return {
      note: `Delegation: dispatch of ${dispatch.action} ${item.id} failed (${describeFailure(run)})`,
      output: header,
      dispatched: false,
      ok: false,
    };
  }
  return {
    note: `Delegation: dispatched ${dispatch.action} ${item.id}`,
    output: header,
    dispatched: true,
    ok: true,
  };
}
