import type { RunRecord } from "../../lib/core/command.js";
import { relative } from "../format.js";
import type { StatusRow } from "../status.js";
import {
  actionSubject,
  every,
  hoursLabel,
  latenessLabel,
  nextDueLabel,
  shortDuration,
  tokenCount,
  usageNote,
  usdLabel,
} from "../status-text.js";
import { markup, type Html } from "./html.js";
import type { Snapshot } from "./snapshot.js";
import { firstLine, OUTCOME_CLASS, TIMELINE_SPAN_MS } from "./timeline.js";

/** The commands table, the dead letters (with their action forms) and the held-back items. */

/** A POST form for one action; the page script asks `confirm` before it is sent. */
export function actionForm(
  token: string,
  action: string,
  label: string,
  confirm: string,
  id?: string,
): Html {
  return markup`<form method="post" action="/action" data-confirm="${confirm}"><input type="hidden" name="token" value="${token}" /><input type="hidden" name="action" value="${action}"/>${id === undefined ? "" : markup`<input type="hidden" name="id" value="${id}" />`}<button type="submit" data-key="${action}:${id ?? ""}">${label}</button></form>`;
}

/** The page of one command: its runs with their outputs. */
export const commandHref = (id: string, token: string) =>
  `/command?${new URLSearchParams({ id, token })}`;

/** A share of the starts: 42%, 3.5% (one decimal below 10 %). */
export const percent = (share: number | undefined) =>
  share === undefined ? "-" : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

/** Each command's fraction of the starts of the last 24 hours (what the timeline shows). */
function measuredShares(snapshot: Snapshot): Map<string, number> {
  const since = snapshot.now - TIMELINE_SPAN_MS;
  const counts = new Map<string, number>();
  let total = 0;
  for (const [id, runs] of snapshot.runs) {
    const n = runs.filter((r: RunRecord) => r.startedAt >= since).length;
    counts.set(id, n);
    total += n;
  }
  return new Map([...counts].map(([id, n]) => [id, total === 0 ? 0 : n / total]));
}

function leaseCell(row: StatusRow, now: number, startedAt: number | undefined): Html {
  const lease = row.lease;
  if (!lease) return markup`-`;
  if (lease.expired)
    return markup`<span class="failed">lease expired ${relative(lease.expiresAt, now)}</span>`;
  const since = startedAt === undefined ? "" : `since ${relative(startedAt, now)}`;
  return markup`<span title="${lease.owner ?? ""}">${lease.worker ?? "starting"}</span><br /><small>${since}, ${lease.renewals} renewals</small>`;
}

function lastCell(row: StatusRow): Html {
  if (!row.lastOutcome) return markup`-`;
  return markup`<span class="${OUTCOME_CLASS[row.lastOutcome]}">${row.lastOutcome}</span>${row.lastExitCode === undefined ? "" : markup` <small>(${row.lastExitCode})</small>`}`;
}

function commandRow(row: StatusRow, snapshot: Snapshot, token: string, share: number): Html {
  const { now } = snapshot;
  const command = snapshot.commands.get(row.id);
  const late = latenessLabel(row);
  // Outside its windows, when it opens again is what matters, on the command's own clock.
  const nextDue =
    row.state === "outside"
      ? markup`<span class="muted">${row.why}</span>`
      : markup`${nextDueLabel(row, now)}`;
  const toggle = row.paused
    ? actionForm(token, "resume", "Resume", `Resume ${row.id}?`, row.id)
    : actionForm(token, "pause", "Pause", `Pause ${row.id}?`, row.id);
  const runOnce = actionForm(token, "run-once", "Run once", `Run ${row.id} once now?`, row.id);
  return markup`<tr data-command="${row.id}" class="state-${row.state}"><td><a href="${commandHref(row.id, token)}"><strong>${row.id}</strong></a>${command?.title ? markup`<br /><small>${command.title}</small>` : ""}</td><td>${row.type}</td><td>${row.runtime}</td><td class="num">${every(row.frequencyMinutes)}</td><td class="num">${row.priority}</td><td>${row.paused ? "paused" : "no"}</td><td>${leaseCell(row, now, command?.lastStartAt)}</td><td>${lastCell(row)}</td><td title="${row.why}">${nextDue}</td><td class="num">${late}</td><td class="num">${percent(share)} / ${percent(row.idealShare)}</td><td class="actions">${toggle}${runOnce}</td></tr>`;
}

export function commandsTable(snapshot: Snapshot, token: string): Html {
  const shares = measuredShares(snapshot);
  const rows = snapshot.report.rows.map((r) =>
    commandRow(r, snapshot, token, shares.get(r.id) ?? 0),
  );
  return markup`<table id="commands-table"><thead><tr><th scope="col">id</th><th scope="col">type</th><th scope="col">runtime</th><th scope="col">every</th><th scope="col">pri</th><th scope="col">paused</th><th scope="col">running</th><th scope="col">last</th><th scope="col">next due</th><th scope="col">late</th><th scope="col" title="share of the starts of the last 24 h / ideal share under the rule">share / ideal</th><th scope="col">actions</th></tr></thead><tbody>${
    rows.length ? rows : markup`<tr><td colspan="12">(no commands)</td></tr>`
  } </tbody></table>`;
}

export function deadLettersSection(snapshot: Snapshot, token: string): Html {
  const letters = snapshot.deadLetters;
  if (letters.length === 0) return markup`<p>No dead letters.</p>`;
  const rows = letters.map(
    (l) =>
      markup`<tr><td>${new Date(l.createdAt).toISOString()}</td><td>${l.kind}</td><td>${firstLine(l.content, 80)}</td><td>${l.reason}</td><td class="num">${l.attempts}</td></tr>`,
  );
  return markup`<table id="dead-letters"><thead><tr><th scope="col">created</th><th scope="col">kind</th><th scope="col">message</th><th scope="col">reason</th><th scope="col">attempts</th></tr></thead><tbody>${rows} </tbody></table>${actionForm(token, "redrive", `Redrive ${letters.length}`, `Resend all ${letters.length} dead letters to Discord?`)}`;
}

/** Work items delegation holds back (escalated, or waiting out a backoff): status's list. */
export function heldBackSection(snapshot: Snapshot): Html {
  const held = snapshot.report.heldBack ?? [];
  if (held.length === 0) return markup`<p>No work items held back.</p>`;
  const now = snapshot.now;
  const rows = held.map((h) => {
    const when =
      h.state === "escalated"
        ? `escalated ${shortDuration(now - h.at)} ago: waits for a person to change the item`
        : `next try in ${shortDuration(h.at - now)}`;
    return markup`<tr class="held-${h.state}"><td>${h.workItemId}</td><td>${h.action}</td><td>${h.stage}</td><td class="num">${h.attempts}</td><td>${when}</td><td>${h.runs.join(", ")}</td></tr>`;
  });
  return markup`<table id="held-back"><thead><tr><th scope="col">work item</th><th scope="col">action</th><th scope="col">stage</th><th scope="col" title="dispatches that did not move the item">tries</th><th scope="col">state</th><th scope="col">runs</th></tr></thead><tbody>${rows} </tbody></table>`;
}

/** The latest actions asked for from Discord (who, what, when, what came of it). */
export function actionsSection(snapshot: Snapshot): Html {
  const actions = snapshot.report.actions ?? [];
  if (actions.length === 0) return markup`<p>No actions from Discord.</p>`;
  const rows = actions.map(
    (a) =>
      markup`<tr class="action-${a.outcome}"><td>${new Date(a.at).toISOString()}</td><td title="${a.userId}">${a.userName}</td><td>${a.action}</td><td>${actionSubject(a)}</td><td>${a.outcome}</td><td>${firstLine(a.detail ?? "", 80)}</td></tr>`,
  );
  return markup`<table id="actions"><thead><tr><th scope="col">when</th><th scope="col">who</th><th scope="col">action</th><th scope="col" title="the command, work item or PR it was about">about</th><th scope="col">outcome</th><th scope="col">detail</th></tr></thead><tbody>${rows} </tbody></table>`;
}

/** What the runs on record used, per command and agent, and each command's task compute time. */
export function usageSection(snapshot: Snapshot): Html {
  const usage = snapshot.report.usage;
  if (!usage || usage.commands.length === 0)
    return markup`<p>No run on record reports agent usage or task compute time.</p>`;
  const rows = usage.commands.flatMap((u) => [
    ...u.agents.map(
      (a) =>
        markup`<tr><td>${u.commandId}</td><td>${a.agent}</td><td class="num">${a.runs} of ${u.runs}</td><td class="num" title="${a.inputTokens}">${tokenCount(a.inputTokens)}</td><td class="num" title="${a.outputTokens}">${tokenCount(a.outputTokens)}</td><td class="num">${usdLabel(a.costUsd)}</td><td></td></tr>`,
    ),
    ...(u.compute
      ? [
          markup`<tr><td>${u.commandId}</td><td class="muted">task compute</td><td class="num">${u.compute.runs} of ${u.runs}</td><td></td><td></td><td></td><td class="num">${hoursLabel(u.compute.vcpuSeconds)} vCPU-h, ${hoursLabel(u.compute.gbSeconds)} GB-h</td></tr>`,
        ]
      : []),
  ]);
  return markup`<p class="muted">${usageNote(usage)}.</p><table id="usage-table"><thead><tr><th scope="col">command</th><th scope="col">agent</th><th scope="col">runs</th><th scope="col">tokens in</th><th scope="col">tokens out</th><th scope="col" title="as the agent reported it">cost</th><th scope="col" title="task size × run duration">task compute</th></tr></thead><tbody>${rows} </tbody></table>`;
}
