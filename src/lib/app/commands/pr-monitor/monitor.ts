import { metadataSettings } from "../../../core/command-metadata.js";
import { prMonitorMetadataSchema } from "./metadata.js";
import type {
  Notify,
  PrReportKey,
  PrReportStore,
  ToolOptions,
  ToolRunner,
} from "../../../core/ports.js";
import { postableText, quotedData } from "../../../core/untrusted-text.js";
import { clearTriageHint, HUMAN_TRIAGE_TAGS } from "../../worklog/checks.js";
import { isWorkItemId, parseItems, type WorkItem, type Worklog } from "../../worklog/wl.js";
import {
  type Check,
  GhError,
  listOpenPullRequests,
  type PullRequest,
  pullRequestChecks,
} from "./gh.js";

/**
 * The PR monitor (command type `pr-monitor`): open PRs from `gh pr list`, their checks
 * from `gh pr checks`; a PR with a failing check gets one work item (`wl create`, priority
 * critical by default) and one `# PR Monitor — …` post per head commit. The claim in the
 * store (PRMON, keyed by repository, PR number and head commit) is written before the
 * work item, so two runs, or a retried one, never create it twice; a new push (a new head
 * commit) that fails again is reported again. A PR ignored from Discord (Ignore on its
 * post, PRMON `<repo>#<n>#ignored`) is looked up first and never reported again; a work item
 * created for it before stays as it is. What gh says is outside text: the item quotes it
 * as data and waits for human triage (checks.ts), the post neutralises it, and its Open
 * button is built only from a well-formed github.com URL (core/github.ts).
 */

export interface PrMonitorSettings {
  maxPrs: number;
  repo: string | undefined;
  priority: string;
  ignored: string[];
}

export function prMonitorSettings(metadata: Record<string, unknown>): PrMonitorSettings {
  const { settings: s, ignored } = metadataSettings(prMonitorMetadataSchema, metadata);
  return {
    maxPrs: s.max_prs ?? 50,
    repo: s.repo,
    priority: s.work_item_priority ?? "critical",
    ignored,
  };
}

export interface PrMonitorDeps {
  commandId: string;
  wl: Worklog;
  store: PrReportStore;
  runTool: ToolRunner;
  notifier?: Notify;
  clock: () => number;
  /** cwd and timeout for gh. */
  gh: () => ToolOptions;
}

export interface PrMonitorOutcome {
  ok: boolean;
  output: string;
}

const shortSha = (oid: string): string => oid.slice(0, 7);

export function workItemFor(
  pr: PullRequest,
  failing: Check[],
): { title: string; description: string } {
  return {
    title: `CI failing on PR #${pr.number}: ${pr.title}`.slice(0, 240),
    description: [
      `Checks failing on PR #${pr.number} at commit ${pr.headRefOid}.`,
      "",
      quotedData(
        "What GitHub says about the PR (its title, branch and failing checks)",
        [
          `Title: ${pr.title}`,
          ...(pr.headRefName ? [`Branch: ${pr.headRefName}`] : []),
          "Failing checks:",
          ...failing.map((c) => `- ${c.name}`),
        ].join("\n"),
      ),
      "",
      ...(pr.url ? [`PR: ${pr.url}`, ""] : []),
      "Created by the AMPA PR monitor. It waits for human triage (tag do-not-delegate) before any agent is sent to it.",
    ].join("\n"),
  };
}

export async function runPrMonitor(
  deps: PrMonitorDeps,
  s: PrMonitorSettings,
): Promise<PrMonitorOutcome> {
  const lines = s.ignored.map((k) => `Ignored metadata ${k}: its default applies.`);
  let ok = true;
  let listed: Awaited<ReturnType<typeof listOpenPullRequests>>;
  try {
    listed = await listOpenPullRequests(deps.runTool, deps.gh(), { limit: s.maxPrs, repo: s.repo });
  } catch (err) {
    if (!(err instanceof GhError)) throw err;
    return {
      ok: false,
      output: [...lines, `PR monitor: could not list PRs: ${err.message}`].join("\n"),
    };
  }
  if (listed.invalid > 0)
    lines.push(`Skipped ${listed.invalid} PR entr(ies) gh returned in an unexpected shape.`);
  const counts = { failing: 0, reported: 0, passing: 0, pending: 0 };
  for (const pr of listed.prs) {
    let checks: Check[];
    try {
      checks = await pullRequestChecks(deps.runTool, deps.gh(), {
        number: pr.number,
        repo: s.repo,
      });
    } catch (err) {
      if (!(err instanceof GhError)) throw err;
      ok = false;
      lines.push(`PR #${pr.number}: checks unavailable (${err.message}).`);
      continue;
    }
    const failing = checks.filter((c) => c.bucket === "fail");
    if (failing.length === 0) {
      const pending = checks.some((c) => c.bucket === "pending");
      counts[pending ? "pending" : "passing"]++;
      continue;
    }
    counts.failing++;
    const reported = await reportFailing(deps, s, pr, failing, lines);
    if (reported === "error") ok = false;
    if (reported === "created") counts.reported++;
  }
  lines.unshift(
    `PR monitor: ${listed.prs.length} open PR(s): ${counts.failing} failing (${counts.reported} newly reported), ${counts.pending} pending, ${counts.passing} passing.`,
  );
  return { ok, output: lines.join("\n") };
}

async function reportFailing(
  deps: PrMonitorDeps,
  s: PrMonitorSettings,
  pr: PullRequest,
  failing: Check[],
  lines: string[],
): Promise<"created" | "known" | "ignored" | "error"> {
  const key: PrReportKey = { repo: s.repo ?? "", number: pr.number, headOid: pr.headRefOid };
  const at = `PR #${pr.number} at ${shortSha(pr.headRefOid)}`;
  const ignored = await deps.store.getPullRequestIgnore(key);
  if (ignored) {
    lines.push(
      `${at}: failing, ignored (from Discord by ${ignored.userId}, ${new Date(ignored.ignoredAt).toISOString()}).`,
    );
    return "ignored";
  }
  const claimed = await deps.store.claimPrReport({
    ...key,
    commandId: deps.commandId,
    reportedAt: deps.clock(),
  });
  if (!claimed) {
    const known = await deps.store.getPrReport(key);
    lines.push(
      `${at}: failing, already reported${known?.workItemId ? ` as ${known.workItemId}` : ""}.`,
    );
    return "known";
  }
  const item = workItemFor(pr, failing);
  let workItemId: string;
  try {
    const json = await deps.wl.json([
      "create",
      "--title",
      item.title,
      "--description",
      item.description,
      "--priority",
      s.priority,
      "--tags",
      ["pr-monitor", ...HUMAN_TRIAGE_TAGS].join(","),
    ]);
    const created = parseItems(json)[0];
    if (!created) throw new Error("wl create returned no work item");
    workItemId = created.id;
    await holdForTriage(deps.wl, created);
  } catch (err) {
    await deps.store.releasePrReport(key);
    lines.push(
      `${at}: failing, but the work item could not be created (${(err as Error).message}); retried next run.`,
    );
    return "error";
  }
  await deps.store.setPrReportWorkItem(key, workItemId);
  lines.push(
    `${at}: failing (${failing.map((c) => c.name).join(", ")}); created ${workItemId}, waiting for human triage (${clearTriageHint(workItemId)}).`,
  );
  if (deps.notifier) {
    const checks = failing.map((c) => postableText(c.name)).join(", ");
    const body = [
      `# PR Monitor — PR #${pr.number} failing`,
      "",
      postableText(pr.title),
      ...(pr.url ? [pr.url] : []),
      "",
      `Failing at ${shortSha(pr.headRefOid)}: ${checks}`,
      `Work item: ${postableText(workItemId)} (waiting for human triage)`,
    ];
    const sent = await deps.notifier.send("command", body.join("\n"), undefined, {
      for: "failing-pr",
      repo: key.repo,
      number: pr.number,
      url: pr.url,
    });
    if (!sent.delivered) lines.push(`${at}: the post was not delivered (dead letter).`);
  }
  return "created";
}

/** A wl that ignored `--tags` on create still gets the do-not-delegate tag. */
async function holdForTriage(wl: Worklog, created: WorkItem): Promise<void> {
  if (created.tags.includes("do-not-delegate")) return;
  if (!isWorkItemId(created.id)) throw new Error("wl create returned a malformed work item id");
  await wl.json(["update", created.id, "--do-not-delegate", "true"]);
}
