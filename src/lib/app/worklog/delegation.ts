import type { CounterStore, DispatchRecord, DispatchStore, Notify } from "../../core/ports.js";
import type { AgentRunner } from "../agents/run.js";
import { type AttemptDeps, attemptsFailure, settleDispatch } from "./attempts.js";
import {
  type BusyItem,
  busyLines,
  busyReport,
  findBusy,
  oneLine,
  recentDispatches,
} from "./busy.js";
import {
  type CheckFailure,
  DEFAULT_SETTINGS,
  type DelegationSettings,
  dependencyFailure,
  describeFailures,
  isLiveClaim,
  itemFailures,
} from "./checks.js";
import { claimItem, type ClaimContext, DEFAULT_ASSIGNEE } from "./claim.js";
import { DISPATCH_BY_STAGE } from "./prompts.js";
import { describeAgentFailure } from "./tool-failure.js";
import { isWorkItemId, type NextCandidate, type WorkItem, type Worklog } from "./wl.js";

export { BUSY_HEADING, busyReport } from "./busy.js";
export type { ClaimContext } from "./claim.js";
export { DISPATCH_BY_STAGE } from "./prompts.js";

/**
 * The delegation report and live delegation (upstream AMPA's `delegate`): nothing while an
 * item is in progress or claimed; otherwise the candidates of `wl next -n 3` (or, for a
 * stage runner, the open items of its stages) are tried in order against the checks
 * (checks.ts), and the first that passes is claimed (claim.ts) and dispatched by stage.
 * Everything from wl is untrusted: ids are checked against the Worklog id pattern, text is
 * put on one line, and every value goes to a program as one argv element.
 */

/** How many candidates are tried and listed. */
export const REPORT_CANDIDATES = 3;
export const IDLE_SUMMARY = "Summary: delegation is idle (no in-progress items or candidates).";
export const NO_PASS_SUMMARY = "Summary: no candidate passes the delegation checks.";

export interface DelegationReport {
  text: string;
  /** True when items are in progress or claimed (live delegation would be a no-op). */
  busy: boolean;
}

/** A candidate and, once tried, the checks it failed (empty: it passed). */
export interface EvaluatedCandidate {
  candidate: NextCandidate;
  failures?: CheckFailure[];
}

export interface DelegationPlan {
  busy: BusyItem[];
  /** True when the busy items stop delegation (the `nothing_in_progress` check). */
  held: boolean;
  candidates: EvaluatedCandidate[];
  chosen?: EvaluatedCandidate;
  /** The live claims in the table, for the claim step. */
  dispatches: Map<string, DispatchRecord>;
  /** Each item's latest dispatch, live or not (its attempt count). */
  latest: Map<string, DispatchRecord>;
}

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
  /** The command's agent (agents/run.ts), in the run's cwd and env, for the time left. */
  agent: AgentRunner;
  clock?: () => number;
  settings?: DelegationSettings;
  /** Who claims and where the claim is recorded; without it only wl is told. */
  claim?: ClaimContext;
  dispatchStore?: DispatchStore;
  /** Where dispatch outcomes and escalations are counted (`/metrics`). */
  counters?: CounterStore;
  /** Where an escalation is posted. */
  notifier?: Notify;
}

const candidateLine = (c: WorkItem) =>
  `- ${oneLine(c.title)} - ${oneLine(c.id)} (status: ${oneLine(c.status) || "unknown"}, priority: ${oneLine(c.priority) || "unknown"})`;

/**
 * The runner's candidates. One stage on a `wl` whose `next` takes `--stage` (detected):
 * Worklog's own recommendation for it (dependency-blocked items left out, ties by effective
 * priority), as upstream's runners ask. Otherwise the open items of its stages in `wl
 * list`'s own order: Worklog's hierarchy, depth first, siblings by sortIndex (sortIndex is
 * numbered within each parent, so re-sorting by it would put a late parent's first child
 * ahead of earlier top-level items).
 */
async function stageCandidates(wl: Worklog, s: DelegationSettings): Promise<NextCandidate[]> {
  const [only] = s.stages;
  const stages: readonly string[] = s.stages;
  if (s.stages.length === 1 && only && (await wl.features()).nextStage)
    // Checked here too: a wl that ignored the filter must not widen the runner's stages.
    return (await wl.next(REPORT_CANDIDATES, only)).filter((c) => c.item.stage === only);
  const items =
    s.stages.length === 1 && only
      ? await wl.list({ status: "open", stage: only })
      : (await wl.list({ status: "open" })).filter((i) => stages.includes(i.stage));
  return items.slice(0, REPORT_CANDIDATES).map((item) => ({
    item,
    reason: `open at stage ${item.stage}, in wl list's order (its hierarchy, siblings by sortIndex)`,
  }));
}

/** The checks of one candidate; `wl dep list` only when the others pass. */
async function evaluate(
  deps: DelegationDeps,
  s: DelegationSettings,
  item: WorkItem,
  plan: Pick<DelegationPlan, "dispatches" | "latest">,
  now: number,
): Promise<CheckFailure[]> {
  if (!isWorkItemId(item.id))
    return [{ check: "id", why: `malformed work item id ${JSON.stringify(item.id.slice(0, 80))}` }];
  const record = plan.dispatches.get(item.id);
  const claim = record && isLiveClaim(record, item, now, s.staleAfterMs) ? record : undefined;
  const failures = itemFailures(item, s, claim);
  const bounded = attemptsFailure(plan.latest.get(item.id), item, s, now);
  if (bounded) failures.push(bounded);
  if (failures.length > 0 || !s.dependencies) return failures;
  const blocked = dependencyFailure(await deps.wl.dependencies(item.id));
  return blocked ? [blocked] : [];
}

/** Everything the report and live delegation need. Throws WorklogError when wl cannot answer. */
export async function planDelegation(
  deps: DelegationDeps,
  s: DelegationSettings = deps.settings ?? DEFAULT_SETTINGS,
): Promise<DelegationPlan> {
  const now = (deps.clock ?? Date.now)();
  const records = (await deps.dispatchStore?.listDispatches()) ?? [];
  const latest = new Map(records.map((r) => [r.workItemId, r]));
  const dispatches = recentDispatches(records, now, s.staleAfterMs);
  const busy = await findBusy(deps.wl, dispatches, now, s.staleAfterMs);
  const held = busy.length > 0 && s.nothingInProgress;
  if (held) return { busy, held, candidates: [], dispatches, latest };
  const limited = s.stages.length < DEFAULT_SETTINGS.stages.length;
  const found = limited ? await stageCandidates(deps.wl, s) : await deps.wl.next(REPORT_CANDIDATES);
  const candidates: EvaluatedCandidate[] = found.map((candidate) => ({ candidate }));
  for (const c of candidates) {
    c.failures = await evaluate(deps, s, c.candidate.item, { dispatches, latest }, now);
    if (c.failures.length === 0) return { busy, held, candidates, chosen: c, dispatches, latest };
  }
  return { busy, held, candidates, dispatches, latest };
}

const RATIONALE =
  "the first candidate that passes every delegation check, in wl next's order (by sortIndex, not by priority)";

/** The full report, when nothing holds delegation. */
export function idleReport(plan: DelegationPlan): string {
  const { candidates, chosen } = plan;
  const lines = candidates.map(({ candidate, failures }) =>
    failures?.length
      ? `${candidateLine(candidate.item)} — skipped: ${describeFailures(failures)}`
      : candidateLine(candidate.item),
  );
  const reason = chosen ? oneLine(chosen.candidate.reason) : "";
  return [
    "AMPA Delegation",
    "In-progress items:",
    ...(plan.busy.length ? busyLines(plan.busy) : ["- (none)"]),
    "Candidates:",
    ...(lines.length ? lines : ["- (none)"]),
    "Top candidate:",
    ...(chosen
      ? [
          candidateLine(chosen.candidate.item),
          `Rationale: ${RATIONALE}${reason ? `; wl says: ${reason}` : ""}`,
        ]
      : ["- (none)", candidates.length ? NO_PASS_SUMMARY : IDLE_SUMMARY]),
  ].join("\n");
}

export function delegationReport(plan: DelegationPlan): DelegationReport {
  return plan.held
    ? { busy: true, text: busyReport(plan.busy) }
    : { busy: plan.busy.length > 0, text: idleReport(plan) };
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
    `# ${oneLine(item.title)} - ${item.id}`,
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

/** Why nothing was chosen, for the note; not ok when wl returned a malformed id. */
function nothingChosen(plan: DelegationPlan): DelegationResult {
  if (plan.held) return skipped("in_progress items");
  if (plan.candidates.length === 0) return skipped("no candidates");
  const failures = plan.candidates.flatMap((c) => c.failures ?? []);
  const malformed = failures.find((f) => f.check === "id");
  if (malformed && plan.candidates.length === 1) return skipped(malformed.why, false);
  const each = plan.candidates.map(
    (c) => `${oneLine(c.candidate.item.id).slice(0, 80)}: ${describeFailures(c.failures ?? [])}`,
  );
  return skipped(`no candidate passes the checks: ${each.join(" | ")}`, !malformed);
}

/**
 * Live delegation: claims the chosen candidate and dispatches it by stage to the
 * command's agent (`opencode run --format json <prompt>` by default). Plans first when no plan is given (the triage audit's step).
 */
export async function runLiveDelegation(
  deps: DelegationDeps,
  opts: { auditOnly: boolean },
  given?: DelegationPlan,
): Promise<DelegationResult> {
  if (opts.auditOnly) return skipped("audit_only");
  let plan: DelegationPlan;
  try {
    plan = given ?? (await planDelegation(deps));
  } catch (err) {
    return skipped(`wl failed: ${(err as Error).message}`, false);
  }
  const s = deps.settings ?? DEFAULT_SETTINGS;
  const item = plan.chosen?.candidate.item;
  if (!item) return nothingChosen(plan);
  const dispatch = DISPATCH_BY_STAGE[item.stage];
  if (!dispatch) return skipped(`stage ${JSON.stringify(item.stage)} of ${item.id}`);
  const claimed = await claimItem(deps, item, dispatch.action, plan.latest.get(item.id));
  if (!claimed.ok) return { ...skipped(claimed.why, claimed.toolFailed !== true) };
  let header: string;
  try {
    header = `Starting work on\n\n${itemSummary((await deps.wl.show(item.id)).item)}`;
  } catch {
    header = `Starting work on: ${oneLine(item.title)} - ${item.id}`;
  }
  const run = await deps.agent(dispatch.prompt(item.id));
  const settled = await settleDispatch(
    attemptDeps(deps),
    s,
    claimed.record,
    { agentOk: run.result.ok },
    (deps.clock ?? Date.now)(),
  );
  // The agent's final message is its own text: kept in the output, never in the note.
  const said = run.result.finalText ? [`Agent said:\n\n${run.result.finalText}`] : [];
  const output = [header, ...claimed.notes, ...said, settled].join("\n\n");
  if (!run.result.ok) {
    return {
      note: `Delegation: dispatch of ${dispatch.action} ${item.id} failed (${describeAgentFailure(run)})`,
      output,
      dispatched: false,
      ok: false,
    };
  }
  return {
    note: `Delegation: dispatched ${dispatch.action} ${item.id}`,
    output,
    dispatched: true,
    ok: true,
  };
}

/** What judging a dispatch needs from live delegation's dependencies. */
export function attemptDeps(deps: DelegationDeps): AttemptDeps {
  return {
    wl: deps.wl,
    assignee: deps.claim?.assignee ?? DEFAULT_ASSIGNEE,
    ...(deps.dispatchStore ? { dispatchStore: deps.dispatchStore } : {}),
    ...(deps.counters ? { counters: deps.counters } : {}),
    ...(deps.notifier ? { notifier: deps.notifier } : {}),
  };
}
