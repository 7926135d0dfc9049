// Test double for `wl`, following shared/contracts/worklog-cli.md: state in wl.json
// ({initialized, items, comments, deps?, next?, overrides?, mode?, pairs?, audits?}), pretty
// JSON on stdout, JSON errors on stderr with exit 1, the uninitialized shape on stdout.
// Two modes: "0.0.1" (default), the build AMPA's facts were checked against, whose `next`
// follows Worklog's selection (8b274bf) in outline: sortIndex order, not priority; unblocked
// criticals first; while items are in progress or blocked, the first of them (its open
// child, or itself). "newer": what is known of later Worklog (the contract's "newer wl"
// section): the February 2026 `next` (newerNext below), `next --stage`, `audit-set` and
// `audit-show`, status `input_needed`. `pairs` replaces the status/stage rules (a project
// without `statusStageCompatibility` gets Worklog's built-in ones).
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { dir, override, readFixture, record, writeFixture, writeOut } from "./common.mjs";

record("wl");
const FIXTURE = "wl.json";
const state = readFixture(FIXTURE, { initialized: true, items: [], comments: {} });
state.items ??= [];
state.comments ??= {};
state.deps ??= [];
await override(state, FIXTURE);

let argv = process.argv.slice(2);
const json = argv.includes("--json");
argv = argv.filter((a) => a !== "--json");

const print = (value) => {
  writeOut(1, `${JSON.stringify(value, null, 2)}\n`);
  process.exit(0);
};
const fail = (message) => {
  writeOut(2, json ? `${JSON.stringify({ success: false, error: message })}\n` : `${message}\n`);
  process.exit(1);
};
const argError = (message) => {
  writeOut(2, `error: ${message}\n`);
  process.exit(1);
};
const option = (name, alias) => {
  for (const flag of [name, alias]) {
    const i = argv.indexOf(flag);
    if (flag && i >= 0) return argv[i + 1];
  }
  return undefined;
};
const save = () => writeFixture(FIXTURE, state);
const now = () => new Date().toISOString();
const find = (id) => state.items.find((i) => i.id === id);

if (state.initialized === false) {
  const error = 'Worklog system is not initialized. Run "worklog init" first.';
  if (json) {
    writeOut(1, `${JSON.stringify({ success: false, initialized: false, error }, null, 2)}\n`);
    process.exit(1);
  }
  fail(error);
}

const [cmd, sub] = argv;
const NEWER = state.mode === "newer";
const STATUSES = ["open", "in-progress", "blocked", "completed", "deleted"];
if (NEWER) STATUSES.push("input_needed");
const STAGES = ["idea", "intake_complete", "plan_complete", "in_progress", "in_review", "done", ""];
/** Worklog's built-in status/stage rules (a project config without statusStageCompatibility). */
const BUILT_IN_PAIRS = {
  open: ["idea", "intake_complete", "plan_complete", "in_progress"],
  "in-progress": ["in_progress"],
  blocked: ["idea", "intake_complete", "plan_complete", "in_progress"],
  completed: ["in_review", "done"],
  deleted: ["idea", "intake_complete", "plan_complete", "in_progress", "in_review", "done"],
  input_needed: ["idea", "intake_complete", "plan_complete", "in_progress"],
};

const PAIRS =
  state.pairs === "built-in"
    ? BUILT_IN_PAIRS
    : (state.pairs ?? {
        open: ["idea", "intake_complete", "plan_complete", "in_progress"],
        "in-progress": ["intake_complete", "plan_complete", "in_progress"],
        blocked: ["idea", "intake_complete", "plan_complete"],
        completed: ["in_review", "done"],
        deleted: ["idea", "intake_complete", "plan_complete", "done"],
        ...(NEWER
          ? { input_needed: ["idea", "intake_complete", "plan_complete", "in_progress"] }
          : {}),
      });
// Commander's help, as much of it as callers read: the command list, and next's options.
const COMMANDS = [
  "create",
  "update",
  "delete",
  "close",
  "show",
  "list",
  "next",
  "in-progress|in_progress",
  "recent",
  "comment",
  "dep",
  "status",
  "sync",
  "export",
  "import",
  "re-sort",
  "init",
  ...(NEWER ? ["audit-set", "audit-show", "search", "reviewed", "unlock"] : []),
];
const NEXT_OPTIONS = [
  "-a, --assignee <assignee>",
  "-s, --search <term>",
  "-n, --number <n>",
  "--recency-policy <policy>",
  "--prefix <prefix>",
  "--include-in-review",
  ...(NEWER ? ["--stage <stage>", "--include-blocked"] : []),
];
// Only where commander reads it as help (an option value "--help" is data).
if (["--help", "-h"].includes(argv[0]) || (argv.length === 2 && argv[1] === "--help")) {
  if (cmd === "next")
    writeOut(
      1,
      `Usage: worklog next [options]\n\nOptions:\n${NEXT_OPTIONS.map((o) => `  ${o}`).join("\n")}\n  -h, --help  display help for command\n`,
    );
  else
    writeOut(
      1,
      `Usage: worklog [options] [command]\n\nOptions:\n  -V, --version  output the version number\n  -h, --help     display help for command\n\nCommands:\n${COMMANDS.map((c) => `  ${c} [options]`).join("\n")}\n  help [command]  display help for command\n`,
    );
  process.exit(0);
}

/** Siblings' order in Worklog: sortIndex, then creation time, then id. */
const siblingOrder = (a, b) =>
  (a.sortIndex ?? 0) - (b.sortIndex ?? 0) ||
  String(a.createdAt ?? "").localeCompare(String(b.createdAt ?? "")) ||
  String(a.id).localeCompare(String(b.id));

/**
 * Worklog's hierarchy order (getAllOrderedByHierarchySortIndex), which `wl list` returns:
 * depth first from the top-level items, siblings in siblingOrder. sortIndex is numbered
 * within each parent, so a child's may be lower than an earlier top-level item's.
 */
function hierarchyOrder(items) {
  const children = new Map();
  for (const item of items) {
    const parent = item.parentId ?? null;
    children.set(parent, [...(children.get(parent) ?? []), item]);
  }
  const order = [];
  const seen = new Set();
  const visit = (parent) => {
    for (const child of [...(children.get(parent) ?? [])].sort(siblingOrder)) {
      if (seen.has(child.id)) continue;
      seen.add(child.id);
      order.push(child);
      visit(child.id);
    }
  };
  visit(null);
  // Items the walk cannot reach (a missing parent, a cycle) come last, as in `wl list`.
  return [...order, ...items.filter((i) => !seen.has(i.id)).sort(siblingOrder)];
}

const bySortIndex = (list) =>
  [...list].sort(
    (a, b) =>
      (a.sortIndex ?? 0) - (b.sortIndex ?? 0) ||
      String(a.createdAt ?? "").localeCompare(String(b.createdAt ?? "")),
  )[0];

function scriptedNext(excluded) {
  const item = state.next.map(find).find((i) => i && !excluded.has(i.id));
  return item
    ? { workItem: item, reason: `Next open item by sort_index (priority ${item.priority})` }
    : { workItem: null, reason: "No work items available" };
}

function nextItem(excluded) {
  const pool = state.items.filter(
    (i) =>
      i.status !== "deleted" &&
      i.issueType !== "epic" &&
      !(i.stage === "in_review" && i.status === "blocked") &&
      !excluded.has(i.id),
  );
  const critical = pool.filter(
    (i) => i.priority === "critical" && i.status !== "completed" && i.status !== "blocked",
  );
  if (critical.length)
    return {
      workItem: bySortIndex(critical),
      reason: "Next unblocked critical item by sort_index (priority critical)",
    };
  const active = pool.filter((i) => i.status === "in-progress" || i.status === "blocked");
  if (active.length === 0) {
    const top = bySortIndex(pool.filter((i) => i.status !== "completed"));
    return top
      ? { workItem: top, reason: `Next open item by sort_index (priority ${top.priority})` }
      : { workItem: null, reason: "No work items available" };
  }
  const selected = bySortIndex(active);
  if (selected.status === "blocked")
    return { workItem: selected, reason: "Blocked item with no identifiable blocking issues" };
  const child = bySortIndex(
    pool.filter(
      (i) => i.parentId === selected.id && !["in-progress", "completed"].includes(i.status),
    ),
  );
  return child
    ? {
        workItem: child,
        reason: `Next child by sort_index of deepest in-progress item ${selected.id}`,
      }
    : { workItem: selected, reason: "In-progress item with no open children" };
}

const RANK = { low: 1, medium: 2, high: 3, critical: 4 };
const rankName = (r) => Object.keys(RANK).find((k) => RANK[k] === r) ?? "medium";
const DONE = ["completed", "deleted"];
/** An item waits on another that is not done (a dependency edge). */
const blockersOf = (item) =>
  state.deps
    .filter((e) => e.fromId === item.id)
    .map((e) => find(e.toId))
    .filter((b) => b && !DONE.includes(b.status) && !["in_review", "done"].includes(b.stage));
/** Its own priority or the highest of the items waiting on it, transitively. */
function effectiveRank(item, seen = new Set()) {
  if (seen.has(item.id)) return 0;
  seen.add(item.id);
  const waiting = state.deps.filter((e) => e.toId === item.id).map((e) => find(e.fromId));
  return Math.max(
    RANK[item.priority] ?? 2,
    ...waiting.filter((w) => w && !DONE.includes(w.status)).map((w) => effectiveRank(w, seen)),
  );
}

/**
 * The February 2026 `next`, from its documentation: in-progress items are excluded (their
 * open children stay eligible), dependency-blocked ones too unless --include-blocked (their
 * open blockers inherit their priority); critical (effective) first; sortIndex order, ties
 * broken by effective priority; childless epics are eligible; `--stage` filters.
 */
function newerNext(excluded, stage, includeBlocked) {
  const hasChildren = (i) => state.items.some((c) => c.parentId === i.id && c.status !== "deleted");
  const pool = state.items.filter(
    (i) =>
      !DONE.includes(i.status) &&
      i.status !== "in-progress" &&
      i.status !== "input_needed" &&
      !(i.issueType === "epic" && hasChildren(i)) &&
      !(i.stage === "in_review" || i.stage === "done") &&
      (!stage || i.stage === stage) &&
      (includeBlocked || (i.status !== "blocked" && blockersOf(i).length === 0)) &&
      !excluded.has(i.id),
  );
  const order = (a, b) =>
    (a.sortIndex ?? 0) - (b.sortIndex ?? 0) ||
    effectiveRank(b) - effectiveRank(a) ||
    String(a.createdAt ?? "").localeCompare(String(b.createdAt ?? ""));
  const critical = pool.filter((i) => effectiveRank(i) === RANK.critical).sort(order);
  const pick = critical[0] ?? [...pool].sort(order)[0];
  if (!pick) return { workItem: null, reason: "No work items available" };
  const rank = effectiveRank(pick);
  const inherited = rank > (RANK[pick.priority] ?? 2);
  return {
    workItem: pick,
    reason: inherited
      ? `Blocker of a higher-priority item (effective priority ${rankName(rank)})`
      : `Next open item by sort_index (effective priority ${rankName(rank)})`,
  };
}

function tree(items) {
  const ids = new Set(items.map((i) => i.id));
  const roots = items.filter((i) => !i.parentId || !ids.has(i.parentId));
  const lines = [];
  const walk = (item, prefix, last) => {
    lines.push(`${prefix}${last ? "└── " : "├── "}${item.title} - ${item.id}`);
    const inner = `${prefix}${last ? "    " : "│   "}`;
    lines.push(
      `${inner}Status: ${item.status} · Stage: ${item.stage} | Priority: ${item.priority}`,
    );
    if (item.assignee) lines.push(`${inner}Assignee: ${item.assignee}`);
    const kids = items.filter((i) => i.parentId === item.id);
    kids.forEach((k, n) => walk(k, inner, n === kids.length - 1));
  };
  roots.forEach((r, n) => walk(r, "", n === roots.length - 1));
  return lines.join("\n");
}

switch (cmd) {
  case "in_progress":
  case "in-progress": {
    const items = state.items.filter((i) => i.status === "in-progress");
    if (json) print({ success: true, count: items.length, workItems: items });
    if (items.length === 0) writeOut(1, "No in-progress work items found\n");
    else writeOut(1, `\nFound ${items.length} in-progress work item(s):\n\n${tree(items)}\n\n`);
    process.exit(0);
    break;
  }
  case "next": {
    const n = Number(option("-n", "--number") ?? 1);
    const stage = option("--stage");
    if (stage !== undefined && !NEWER) argError("unknown option '--stage'");
    const picks = [];
    const excluded = new Set();
    for (let k = 0; k < n; k++) {
      const pick = state.next
        ? scriptedNext(excluded)
        : NEWER
          ? newerNext(excluded, stage, argv.includes("--include-blocked"))
          : nextItem(excluded);
      if (!pick.workItem) {
        if (k === 0) picks.push(pick);
        break;
      }
      excluded.add(pick.workItem.id);
      picks.push(pick);
    }
    if (!option("-n", "--number")) print({ success: true, ...picks[0] });
    const results = picks.filter((p) => p.workItem);
    print({
      success: true,
      count: results.length,
      requested: n,
      results,
      ...(results.length < n
        ? { note: `Only ${results.length} of ${n} requested work item(s) available.` }
        : {}),
    });
    break;
  }
  case "show": {
    const item = find(sub);
    if (!item) fail(`Work item not found: ${sub}`);
    const comments = [...(state.comments[sub] ?? [])].reverse();
    const extra = {};
    if (argv.includes("-c") || argv.includes("--children")) {
      const descendants = [];
      const walk = (id) => {
        for (const c of state.items.filter((i) => i.parentId === id)) {
          descendants.push(c);
          walk(c.id);
        }
      };
      walk(sub);
      extra.children = descendants;
      extra.ancestors = [];
    }
    print({ success: true, workItem: item, comments, ...extra });
    break;
  }
  case "list": {
    const status = option("--status", "-s");
    const stage = option("--stage");
    const assignee = option("--assignee", "-a");
    const tags = option("--tags")
      ?.split(",")
      .map((t) => t.trim());
    // Filtered after ordering the whole tree, as Worklog does.
    const items = hierarchyOrder(state.items).filter(
      (i) =>
        (!status || i.status === status) &&
        (!stage || i.stage === stage) &&
        (!assignee || i.assignee === assignee) &&
        (!tags || tags.some((t) => (i.tags ?? []).includes(t))),
    );
    print({ success: true, count: items.length, workItems: items });
    break;
  }
  case "comment": {
    const id = argv[2];
    if (sub === "list") {
      if (!find(id)) fail(`Work item not found: ${id}`);
      const comments = [...(state.comments[id] ?? [])].reverse();
      print({ success: true, count: comments.length, workItemId: id, comments });
    }
    if (sub === "add") {
      const text = option("--comment") ?? option("--body");
      const author = option("--author", "-a");
      if (option("--comment") !== undefined && option("--body") !== undefined)
        argError("use --comment or --body, not both");
      if (author === undefined) argError("required option '-a, --author <author>' not specified");
      if (text === undefined) argError("required option '--comment <comment>' not specified");
      const item = find(id);
      if (!item) fail(`Work item not found: ${id}`);
      const list = (state.comments[id] ??= []);
      const comment = {
        id: `${id.split("-")[0]}-C${String(list.length + 1).padStart(16, "0")}`,
        workItemId: id,
        author,
        comment: text,
        createdAt: now(),
        references: [],
      };
      list.push(comment);
      item.updatedAt = comment.createdAt;
      save();
      print({ success: true, comment });
    }
    argError(`unknown command 'comment ${sub}'`);
    break;
  }
  case "dep": {
    const [id, target] = [argv[2], argv[3]];
    if (sub === "add") {
      const item = find(id);
      const dependsOn = find(target);
      if (!item || !dependsOn) fail("One or more work items were not found");
      if (state.deps.some((e) => e.fromId === id && e.toId === target))
        fail("Dependency already exists.");
      const edge = { fromId: id, toId: target, createdAt: now() };
      state.deps.push(edge);
      if (
        !["in_review", "done"].includes(dependsOn.stage) &&
        !["completed", "deleted"].includes(item.status)
      )
        Object.assign(item, { status: "blocked", updatedAt: now() });
      save();
      print({ success: true, edge });
    }
    if (sub === "list") {
      if (!find(id))
        print({
          success: true,
          warnings: [`Work item not found: ${id}`],
          inbound: [],
          outbound: [],
        });
      const edge = (otherId, direction) => {
        const other = find(otherId);
        return {
          id: otherId,
          title: other?.title || "(missing)",
          status: other?.status || "deleted",
          priority: other?.priority || "medium",
          direction,
        };
      };
      print({
        success: true,
        item: id,
        inbound: state.deps
          .filter((e) => e.toId === id)
          .map((e) => edge(e.fromId, "depended-on-by")),
        outbound: state.deps.filter((e) => e.fromId === id).map((e) => edge(e.toId, "depends-on")),
      });
    }
    argError(`unknown command 'dep ${sub}'`);
    break;
  }
  case "update": {
    const item = find(sub);
    if (!item) fail(`Work item not found: ${sub}`);
    const updates = {};
    if (option("--status") !== undefined || option("--stage") !== undefined) {
      let status = option("--status") ?? item.status;
      const stage = option("--stage") ?? item.stage;
      if (status === "in_progress") {
        writeOut(2, 'Warning: status "in_progress" normalized to "in-progress"\n');
        status = "in-progress";
      }
      if (!STATUSES.includes(status))
        fail(`Invalid status "${status}". Valid statuses: ${STATUSES.join(", ")}`);
      if (!STAGES.includes(stage))
        fail(`Invalid stage "${stage}". Valid stages: ${STAGES.join(", ")}`);
      if (stage && !PAIRS[status].includes(stage)) {
        const allowed = Object.keys(PAIRS).filter((s) => PAIRS[s].includes(stage));
        fail(
          `Invalid status/stage combination: status "${status}" is not compatible with stage "${stage}". Allowed stages for status "${status}": ${PAIRS[status].join(", ")}. Allowed statuses for stage "${stage}": ${allowed.join(", ")}.`,
        );
      }
      // Worklog reports `blocked` but stores `open` for an item without dependency edges.
      const edges = state.deps.some((e) => e.fromId === sub);
      Object.assign(updates, { status: status === "blocked" && !edges ? "open" : status, stage });
    }
    const assignee = option("--assignee", "-a");
    if (assignee !== undefined) updates.assignee = assignee;
    const tags = option("--tags");
    if (tags) updates.tags = tags.split(",").map((t) => t.trim());
    const review = option("--needs-producer-review");
    if (review !== undefined) {
      if (!["true", "false", "yes", "no"].includes(review.toLowerCase()))
        fail(`Invalid value for --needs-producer-review: ${review}`);
      updates.needsProducerReview = ["true", "yes"].includes(review.toLowerCase());
    }
    const dnd = option("--do-not-delegate");
    if (dnd !== undefined) {
      const on = ["true", "yes"].includes(dnd.toLowerCase());
      const rest = (updates.tags ?? item.tags ?? []).filter((t) => t !== "do-not-delegate");
      updates.tags = on ? [...rest, "do-not-delegate"] : rest;
    }
    Object.assign(item, updates, { updatedAt: now() });
    save();
    print({ success: true, workItem: item });
    break;
  }
  case "create": {
    // wl create -t TITLE [-d DESC] [-p PRIORITY] [--tags a,b] [-s STATUS] [--stage S]
    const title = option("--title", "-t");
    if (title === undefined) argError("required option '-t, --title <title>' not specified");
    const status = option("--status", "-s") ?? "open";
    const stage = option("--stage") ?? "idea";
    const priority = option("--priority", "-p") ?? "medium";
    if (!STATUSES.includes(status))
      fail(`Invalid status "${status}". Valid statuses: ${STATUSES.join(", ")}`);
    if (!["critical", "high", "medium", "low"].includes(priority))
      fail(`Invalid priority "${priority}"`);
    if (!PAIRS[status].includes(stage))
      fail(`Invalid status/stage combination: ${status}/${stage}`);
    const prefix = state.prefix ?? "WL";
    const seq = (state.created = (state.created ?? 0) + 1);
    const at = now();
    const item = {
      id: `${prefix}-0NEW${String(seq).padStart(12, "0")}`,
      title,
      description: option("--description", "-d") ?? "",
      status,
      priority,
      sortIndex: (state.items.length + 1) * 100,
      parentId: null,
      createdAt: at,
      updatedAt: at,
      tags: (option("--tags") ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
      assignee: "",
      stage,
      issueType: "",
      createdBy: "",
      deletedBy: "",
      deleteReason: "",
      risk: "",
      effort: "",
      needsProducerReview: false,
    };
    state.items.push(item);
    save();
    print({ success: true, workItem: item });
    break;
  }
  case "audit-set":
  case "audit-show": {
    if (!NEWER) argError(`unknown command '${cmd}'`);
    const item = find(sub);
    if (!item) fail(`Work item not found: ${sub}`);
    state.audits ??= {};
    if (cmd === "audit-show") print({ success: true, audit: state.audits[sub] ?? null });
    const ready = option("--ready-to-close");
    if (!["yes", "no"].includes(String(ready).toLowerCase()))
      fail("--ready-to-close must be yes or no");
    const audit = {
      issueId: sub,
      readyToClose: ready.toLowerCase() === "yes",
      summary: option("--summary") ?? "",
      rawOutput: option("--raw-output") ?? "",
      auditedAt: now(),
    };
    state.audits[sub] = audit;
    item.updatedAt = audit.auditedAt;
    save();
    print({ success: true, audit });
    break;
  }
  case "status": {
    writeOut(
      1,
      `Worklog System Status\n=====================\n\nInitialized: Yes\nVersion: 0.0.1\n\nDatabase Summary:\n  Work Items: ${state.items.length}\n`,
    );
    process.exit(0);
    break;
  }
  case "sync": {
    // Records each sync (where, whether the clone has .worklog/, which git settings came
    // through the environment: names only) in syncs.jsonl; prints what wl sync reports.
    const gitConfig = Object.keys(process.env).filter((k) => k.startsWith("GIT_CONFIG_KEY_"));
    const entry = {
      cwd: process.cwd(),
      worklog: existsSync(join(process.cwd(), ".worklog")),
      gitConfig: gitConfig.map((k) => process.env[k]),
    };
    appendFileSync(join(dir, "syncs.jsonl"), `${JSON.stringify(entry)}\n`);
    writeOut(1, "Sync complete: pulled 0, pushed 0 work item change(s)\n");
    process.exit(0);
    break;
  }
  default:
    argError(`unknown command '${cmd}'`);
}
