import { metadataSettings, switchedOn } from "../../core/command-metadata.js";
import { reviewAuditMetadataSchema } from "../commands/review-audit/metadata.js";
import { postableText } from "../../core/untrusted-text.js";
import type { ItemAuditDeps } from "./audit.js";
import {
  applyVerdict,
  changedSince,
  keepAudit,
  lastAuditAt,
  recordAuditTime,
  storedAudit,
} from "./audit-outcome.js";
import { extractSummary } from "./audit-text.js";
import { auditVerdict } from "./audit-verdict.js";
import { auditPrompt } from "./prompts.js";
import { describeAgentFailure } from "./tool-failure.js";
import {
  entryCount,
  hasKnownShape,
  isWorkItemId,
  parseItems,
  type WorkItem,
  type Worklog,
  WorklogError,
} from "./wl.js";

/**
 * The review audit (command type `review-audit`), upstream AMPA's audit poller: the least
 * recently updated item in stage `in_review` that changed since its last audit or is
 * outside its cooldown gets `/audit <id>` from the command's agent; the audit is kept and the item
 * moved as the audit skill's contract says (audit-outcome.ts: a pass awaits producer
 * review at completed/in_review, a fail goes back to open/plan_complete, an unclear
 * verdict stays). Then one `# Review Audit — <title>` post. Ids, titles and audit text are
 * data: argv only.
 */

const HOUR = 3_600_000;

export interface ReviewAuditSettings {
  cooldownHours: number;
  auditOnly: boolean;
  truncateChars: number;
  /** Metadata keys whose values were unusable (their defaults applied). */
  ignored: string[];
}

export function reviewAuditSettings(metadata: Record<string, unknown>): ReviewAuditSettings {
  const { settings: s, ignored } = metadataSettings(reviewAuditMetadataSchema, metadata);
  return {
    cooldownHours: s.audit_cooldown_hours_in_review ?? s.audit_cooldown_hours ?? 6,
    auditOnly: switchedOn(s.audit_only),
    truncateChars: s.truncate_chars ?? 65_536,
    ignored,
  };
}

export type ReviewAuditDeps = ItemAuditDeps;

export interface ReviewAuditOutcome {
  ok: boolean;
  output: string;
}

/**
 * Items in review. `--stage` is also checked here: a wl that ignored the filter would
 * otherwise put every item up for a review audit.
 */
async function itemsInReview(wl: Worklog): Promise<WorkItem[]> {
  const json = await wl.json(["list", "--stage", "in_review"]);
  if (!hasKnownShape(json)) throw new WorklogError("wl list returned JSON of an unknown shape");
  const items = parseItems(json);
  if (entryCount(json) !== items.length)
    throw new WorklogError("wl list returned entries that are not work items");
  return items.filter((i) => i.stage === "in_review");
}

async function selectItem(
  deps: ReviewAuditDeps,
  s: ReviewAuditSettings,
  notes: string[],
): Promise<WorkItem | undefined> {
  const items = (await itemsInReview(deps.wl)).filter((item) => {
    if (isWorkItemId(item.id)) return true;
    notes.push(`Skipped a work item with a malformed id ${JSON.stringify(item.id.slice(0, 80))}.`);
    return false;
  });
  items.sort((a, b) => (Date.parse(a.updatedAt) || 0) - (Date.parse(b.updatedAt) || 0));
  for (const item of items) {
    const last = await lastAuditAt(deps, item);
    // Upstream's rule: an item that changed since its last audit is audited again at once.
    if (last !== undefined && !changedSince(item, last)) {
      if (deps.clock() - last < s.cooldownHours * HOUR) {
        notes.push(`${item.id} is in its audit cooldown (${s.cooldownHours} h).`);
        continue;
      }
    } else if (last !== undefined) notes.push(`${item.id} changed since its last audit.`);
    return item;
  }
  notes.push(
    items.length
      ? "Review audit: every item in review is in its cooldown."
      : "Review audit: no items in review.",
  );
  return undefined;
}

/** One review audit. A wl failure while choosing the item throws WorklogError (run fails, no post). */
export async function runReviewAudit(
  deps: ReviewAuditDeps,
  s: ReviewAuditSettings,
): Promise<ReviewAuditOutcome> {
  const lines = s.ignored.map((k) => `Ignored metadata ${k}: its default applies.`);
  const item = await selectItem(deps, s, lines);
  if (!item) return { ok: true, output: lines.join("\n") };
  const title = postableText(item.title || item.id);
  const before = await storedAudit(deps.wl, item.id);
  const run = await deps.agent(auditPrompt(item.id));
  if (!run.result.ok) {
    const why = describeAgentFailure(run);
    lines.push(
      `Audit of ${item.id} failed: ${why}`,
      `${run.result.finalText}\n${run.tool.stderr}`.trim(),
    );
    const failed = postableText(`${item.id} — audit failed: ${why}`, { multiline: true });
    await post(deps, lines, `# Review Audit — ${title}\n\n${failed}`);
    return { ok: false, output: lines.join("\n").trim() };
  }
  const output = run.result.finalText;
  lines.push(`Audited ${item.id}: verdict ${auditVerdict(output)}`, "", output, "");
  const kept = await keepAudit(
    deps,
    { item, output, verdict: auditVerdict(output), before, truncateChars: s.truncateChars },
    lines,
  );
  const verdict = kept.verdict;
  let ok = kept.ok;
  let moved = "left in review (audit_only)";
  if (!s.auditOnly) {
    const move = await applyVerdict(deps.wl, item, verdict);
    if (move.kind === "failed") ok = false;
    moved = verdict === "unclear" ? "left in review" : move.text;
  }
  await recordAuditTime(deps, item.id);
  lines.push(`${item.id} ${moved}.`);
  const summary = extractSummary(output);
  const body = [
    `# Review Audit — ${title}`,
    "",
    `${item.id}: audit ${verdict === "unclear" ? "verdict unclear" : verdict === "pass" ? "passed" : "failed"}, ${moved}.`,
    ...(summary ? ["", postableText(summary, { multiline: true })] : []),
  ];
  await post(deps, lines, body.join("\n"));
  return { ok, output: lines.join("\n").trim() };
}

async function post(deps: ReviewAuditDeps, lines: string[], markdown: string): Promise<void> {
  if (!deps.notifier) return;
  const sent = await deps.notifier.send("audit", markdown);
  if (!sent.delivered) lines.push("The Review Audit message was not delivered (dead letter).");
}
