import type { Command, RunRecord } from "../../lib/core/command.js";
import { liveHref } from "./live-page.js";
import type { DeadLetter } from "../../lib/core/ports.js";
import { commandTitle } from "../../lib/app/notify/messages.js";
import { every, tokenCount, usdLabel } from "../status-text.js";
import { type Html, markup, rawHtml } from "./html.js";
import { CSS } from "./page.js";
import type { Snapshot } from "./snapshot.js";
import { actionForm } from "./tables.js";
import { firstLine, OUTCOME_CLASS } from "./timeline.js";

/**
 * One command's page: what it is, its actions, its stored runs with their outputs and
 * what became of their Discord posts, and its dead letters.
 */

const iso = (ms: number | undefined) =>
  ms === undefined ? "-" : new Date(ms).toISOString().replace("T", " ").slice(0, 19);

/**
 * The dead letters of the command's posts: those naming it, and older ones (which name
 * no run) of kind `command` titled as its posts are.
 */
export function deadLettersOf(
  letters: readonly DeadLetter[],
  command: Pick<Command, "id" | "title" | "metadata">,
): DeadLetter[] {
  const title = `# ${commandTitle(command)}`;
  return letters.filter((l) =>
    l.commandId === undefined
      ? l.kind === "command" && l.content.split("\n", 1)[0] === title
      : l.commandId === command.id,
  );
}

/** What became of the run's post, in words; a dead letter redriven since says so. */
function postCell(run: RunRecord, letterRuns: ReadonlySet<string>): Html {
  switch (run.notified) {
    case "sent":
      return markup`<span class="ok">posted</span>`;
    case "dead_letter":
      return letterRuns.has(run.runId)
        ? markup`<span class="failed">dead letter</span>`
        : markup`<span class="muted">dead letter, since redriven</span>`;
    case "unchanged":
      return markup`<span class="muted">not posted: unchanged</span>`;
    case "self":
      return markup`<span class="muted">its type posts its own</span>`;
    case "none":
      return markup`<span class="muted">not posted: no notifier</span>`;
    case undefined:
      return markup`-`;
  }
}

function lettersTable(letters: readonly DeadLetter[], back: string): Html {
  if (letters.length === 0) return markup`<p>No dead letters.</p>`;
  const rows = letters.map(
    (l) =>
      markup`<tr data-letter="${l.id}"><td>${iso(l.createdAt)}</td><td>${l.runId ?? "-"}</td><td>${l.reason}</td><td class="num">${l.attempts}</td><td><details><summary>${firstLine(l.content, 100)}</summary><pre>${l.content}</pre></details></td></tr>`,
  );
  return markup`<table id="dead-letters"><thead><tr><th scope="col">created (UTC)</th><th scope="col">run</th><th scope="col">reason</th><th scope="col">attempts</th><th scope="col">message</th></tr></thead><tbody>${rows}</tbody></table><p class="muted">Redrive resends every dead letter: <a href="${back}">from the main page</a>.</p>`;
}

/** What the run used, under its duration: each agent's report and its task compute time. */
function usedLines(run: RunRecord): Html[] {
  const agents = (run.agentUsage ?? []).map(
    (u) =>
      markup`<br><small>${u.agent}: ${tokenCount(u.inputTokens)} in, ${tokenCount(u.outputTokens)} out, ${usdLabel(u.costUsd)}</small>`,
  );
  const compute = run.compute
    ? [
        markup`<br><small>task: ${run.compute.vcpuSeconds.toFixed(0)} vCPU-s, ${run.compute.gbSeconds.toFixed(0)} GB-s</small>`,
      ]
    : [];
  return [...agents, ...compute];
}

function runRow(run: RunRecord, letterRuns: ReadonlySet<string>): Html {
  const truncated = run.outputTruncatedBytes
    ? markup`<br><small>${run.outputTruncatedBytes} bytes cut</small>`
    : "";
  const output = run.output
    ? markup`<details><summary>${firstLine(run.output, 100)}</summary><pre>${run.output}</pre></details>`
    : markup`<span class="muted">(no output)</span>`;
  return markup`<tr data-run="${run.runId}"><td>${iso(run.startedAt)}</td><td class="num">${(run.durationMs / 1000).toFixed(1)} s${usedLines(run)}</td><td class="${OUTCOME_CLASS[run.outcome]}">${run.outcome}${run.late ? " (late)" : ""}</td><td class="num">${run.exitCode ?? "-"}</td><td>${run.trigger}</td><td>${run.worker ?? "-"}<br><small>${run.exitReason ?? ""}</small></td><td>${postCell(run, letterRuns)}</td><td>${output}${truncated}</td></tr>`;
}

function facts(c: Command): Html {
  const rows: [string, string][] = [
    ["command", c.command],
    ["type", c.type],
    ["every", every(c.frequencyMinutes)],
    ...(c.at ? [["at", c.at.join(", ")] as [string, string]] : []),
    ...(c.active ? [["active", c.active.join("; ")] as [string, string]] : []),
    ...(c.active || c.at ? [["time zone", c.timeZone ?? "UTC"] as [string, string]] : []),
    ["priority", String(c.priority)],
    ["paused", c.paused ? "yes" : "no"],
    ["requires LLM", c.requiresLlm ? "yes" : "no"],
    ["max runtime", c.maxRuntimeMinutes === null ? "default" : `${c.maxRuntimeMinutes} min`],
    ["metadata", JSON.stringify(c.metadata)],
    ["last start", `${iso(c.lastStartAt)} UTC`],
  ];
  return markup`<table class="facts">${rows.map(([k, v]) => markup`<tr><th scope="row">${k}</th><td><code>${v}</code></td></tr>`)}</table>`;
}

export interface CommandPageOptions {
  token: string;
  nonce: string;
}

/** The page, or undefined when the snapshot has no such command. */
export function commandPage(
  snapshot: Snapshot,
  id: string,
  opts: CommandPageOptions,
): string | undefined {
  const c = snapshot.commands.get(id);
  if (!c) return undefined;
  const runs = snapshot.runs.get(id) ?? [];
  const { token } = opts;
  const toggle = c.paused
    ? actionForm(token, "resume", "Resume", `Resume ${id}?`, id)
    : actionForm(token, "pause", "Pause", `Pause ${id}?`, id);
  const back = `/?${new URLSearchParams({ token })}`;
  const letters = deadLettersOf(snapshot.deadLetters, c);
  const letterRuns = new Set(letters.flatMap((l) => (l.runId === undefined ? [] : [l.runId])));
  return markup`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${id} · AMPA dashboard</title>
<style nonce="${opts.nonce}">${rawHtml(CSS)}</style></head>
<body data-token="${token}">
<p><a href="${back}">← all commands</a></p>
<h1>${id}</h1>${c.title ? markup`<p>${c.title}</p>` : ""}
${facts(c)}
<p>${toggle}${actionForm(token, "run-once", "Run once", `Run ${id} once now?`, id)}</p>
${c.leaseRunId ? markup`<p id="running">Running now: <a href="${liveHref(c.leaseRunId, token)}">watch run ${c.leaseRunId} live</a></p>` : ""}
<h2>Runs (${runs.length} stored, newest first)</h2>
${runs.length ? markup`<table id="runs"><thead><tr><th scope="col">started (UTC)</th><th scope="col">duration</th><th scope="col">outcome</th><th scope="col">exit</th><th scope="col">trigger</th><th scope="col">worker</th><th scope="col">Discord</th><th scope="col">output</th></tr></thead><tbody>${runs.map((r) => runRow(r, letterRuns))}</tbody></table>` : markup`<p>No runs stored.</p>`}
<h2>Dead letters (${letters.length})</h2>
${lettersTable(letters, back)}
<script nonce="${opts.nonce}">document.addEventListener("submit", (e) => { const m = e.target.dataset && e.target.dataset.confirm; if (m && !window.confirm(m)) e.preventDefault(); });</script>
</body></html>`.text;
}
