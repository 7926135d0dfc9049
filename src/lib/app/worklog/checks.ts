import { delegationAuditOnly, everyIssue } from "../../core/command-metadata.js";
import {
  DELEGABLE_STAGES,
  type DelegableStage,
  delegationMetadataSchema,
} from "../commands/delegation/metadata.js";
import type { DispatchRecord } from "../../core/ports.js";
import type { Dependency, WorkItem } from "./wl.js";

/**
 * The delegation invariants (upstream AMPA's `delegate` pre-conditions), each a named check
 * a `delegation` command tunes in `metadata.checks`. Pure: what wl said goes in, the failed
 * checks with their reasons come out.
 */

export type CheckName =
  | "context"
  | "acceptance_criteria"
  | "delegable_stage"
  | "do_not_delegate"
  | "dependencies"
  | "not_claimed"
  // Not a setting: the bound on dispatches that did not move the item (attempts.ts).
  | "attempts"
  // Not a setting: an id wl returned that is not a Worklog id is never passed on.
  | "id";

export interface CheckFailure {
  check: CheckName;
  why: string;
}

export interface DelegationSettings {
  /** Stages this command delegates: all three unless `metadata.stages` limits it. */
  stages: readonly DelegableStage[];
  /** 0: the `context` check is off. */
  minDescriptionChars: number;
  acceptanceCriteria: boolean;
  doNotDelegate: boolean;
  dependencies: boolean;
  /** The global check: nothing in progress or claimed (one delegation at a time). */
  nothingInProgress: boolean;
  /** A dispatch older than this no longer claims its item. */
  staleAfterMs: number;
  /** Dispatches of one item at one stage that may fail to move it before it is escalated. */
  maxAttempts: number;
  auditOnly: boolean;
}

/** Upstream requires more than 100 characters of description. */
export const DEFAULT_MIN_DESCRIPTION_CHARS = 100;
export const DEFAULT_STALE_AFTER_MINUTES = 120;
/** Dispatches of one item that may end without moving it before it is escalated (attempts.ts). */
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DO_NOT_DELEGATE_TAGS: ReadonlySet<string> = new Set([
  "do-not-delegate",
  "do_not_delegate",
]);

/**
 * Human triage of outside text. An item AMPA writes from text it did not author (the PR
 * monitor's) carries OUTSIDE_TEXT_TAG and starts tagged do-not-delegate, Worklog's own
 * "prevents automation from auto-assigning" tag. A person clears it after reading the item;
 * until then no delegation setting (not even `checks.do_not_delegate: false`) dispatches it.
 */
export const OUTSIDE_TEXT_TAG = "outside-text";
export const HUMAN_TRIAGE_TAGS: readonly string[] = [OUTSIDE_TEXT_TAG, "do-not-delegate"];
export const clearTriageHint = (id: string): string => `wl update ${id} --do-not-delegate false`;

const hasTag = (item: Pick<WorkItem, "tags">, tags: ReadonlySet<string>): boolean =>
  item.tags.some((t) => tags.has(t.trim().toLowerCase()));

/** The do_not_delegate check; mandatory for items whose text came from outside. */
function doNotDelegateFailure(item: WorkItem, s: DelegationSettings): string | undefined {
  if (!hasTag(item, DO_NOT_DELEGATE_TAGS)) return undefined;
  if (hasTag(item, new Set([OUTSIDE_TEXT_TAG])))
    return `waiting for human triage (its text came from outside AMPA): clear it with \`${clearTriageHint(item.id)}\``;
  return s.doNotDelegate ? "tagged do-not-delegate" : undefined;
}

export type SettingsResult =
  { ok: true; settings: DelegationSettings } | { ok: false; error: string };

/** The settings of a delegation command; bad metadata is an error naming each field. */
export function delegationSettings(metadata: Record<string, unknown>): SettingsResult {
  const problem = everyIssue(delegationMetadataSchema, metadata);
  if (problem) return { ok: false, error: `Invalid delegation metadata: ${problem}` };
  const m = delegationMetadataSchema.parse(metadata);
  const c = m.checks ?? {};
  return {
    ok: true,
    settings: {
      stages: m.stages ? [...new Set(m.stages)] : DELEGABLE_STAGES,
      minDescriptionChars: c.min_description_chars ?? DEFAULT_MIN_DESCRIPTION_CHARS,
      acceptanceCriteria: c.acceptance_criteria ?? true,
      doNotDelegate: c.do_not_delegate ?? true,
      dependencies: c.dependencies ?? true,
      nothingInProgress: c.nothing_in_progress ?? true,
      staleAfterMs: (m.stale_after_minutes ?? DEFAULT_STALE_AFTER_MINUTES) * 60_000,
      maxAttempts: m.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
      auditOnly: delegationAuditOnly(metadata),
    },
  };
}

/** The defaults (what `ampa delegation` and the triage audit's delegation step use). */
export const DEFAULT_SETTINGS: DelegationSettings = (() => {
  const result = delegationSettings({});
  if (!result.ok) throw new Error(result.error);
  return result.settings;
})();

/** An "Acceptance criteria" heading or phrase, or a markdown checklist item. */
const ACCEPTANCE_CRITERIA = /acceptance criteria|^\s*[-*]\s+\[[ xX]\]/im;
/** Statuses a delegable item may have; `blocked` is left to the `dependencies` check. */
const WAITING_STATUSES = new Set(["open", "blocked"]);
const CLOSED_STATUSES = new Set(["completed", "deleted"]);

/** The checks that need nothing but the item (and AMPA's claim on it, if any). */
export function itemFailures(
  item: WorkItem,
  s: DelegationSettings,
  claim: DispatchRecord | undefined,
): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (check: CheckName, why: string) => failures.push({ check, why });
  const chars = item.description.trim().length;
  if (s.minDescriptionChars > 0 && chars < s.minDescriptionChars)
    fail("context", `description has ${chars} of ${s.minDescriptionChars} characters`);
  if (s.acceptanceCriteria && !ACCEPTANCE_CRITERIA.test(item.description))
    fail("acceptance_criteria", "no acceptance criteria in the description");
  if (!(s.stages as readonly string[]).includes(item.stage))
    fail("delegable_stage", `stage ${JSON.stringify(item.stage)} is not ${s.stages.join("/")}`);
  else if (!WAITING_STATUSES.has(item.status))
    fail("delegable_stage", `status ${JSON.stringify(item.status)} is not open`);
  const untriaged = doNotDelegateFailure(item, s);
  if (untriaged) fail("do_not_delegate", untriaged);
  if (s.dependencies && item.status === "blocked") fail("dependencies", "status blocked");
  if (claim)
    fail(
      "not_claimed",
      `claimed for ${claim.action} by run ${claim.runId} of ${claim.commandId} at ${new Date(claim.dispatchedAt).toISOString()}`,
    );
  return failures;
}

/** The `dependencies` check on `wl dep list`'s outbound edges: none may still be open. */
export function dependencyFailure(deps: Dependency[]): CheckFailure | undefined {
  const open = deps.filter((d) => !CLOSED_STATUSES.has(d.status));
  if (open.length === 0) return undefined;
  return { check: "dependencies", why: `depends on ${open.map((d) => d.id).join(", ")}` };
}

/** `context (…); do_not_delegate (…)`. */
export const describeFailures = (failures: CheckFailure[]): string =>
  failures.map((f) => `${f.check} (${f.why})`).join("; ");

/**
 * Whether a dispatch still claims its item: not released, not stale, and made at the
 * stage the item is still at (an agent that moved the item on has done its part).
 */
export function isLiveClaim(
  record: DispatchRecord,
  item: Pick<WorkItem, "stage" | "status" | "assignee"> | undefined,
  now: number,
  staleAfterMs: number,
): boolean {
  if (record.releasedAt !== undefined || record.dispatchedAt < now - staleAfterMs) return false;
  if (!item) return true;
  return (
    item.assignee === record.assignee &&
    item.stage === record.stage &&
    !CLOSED_STATUSES.has(item.status)
  );
}
