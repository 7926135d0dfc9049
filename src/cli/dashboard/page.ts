import { createHash } from "node:crypto";
import { relative } from "../format.js";
import { shortDuration } from "../status-text.js";
import { markup, type Html, rawHtml } from "./html.js";
import type { Snapshot } from "./snapshot.js";
import {
  actionsSection,
  commandsTable,
  deadLettersSection,
  heldBackSection,
  usageSection,
} from "./tables.js";
import { TIMELINE_SPAN_MS, timelineSvg, WEEK_MS } from "./timeline.js";

/** The dashboard page, server-rendered; a small script swaps in fresh sections. */

/** How often the page asks for fresh sections while no event stream is open. */
export const REFRESH_MS = 3000;
/**
 * How often it asks while the stream is open: changes come as events, and this keeps
 * the relative times (next due, lateness) and the "now" line moving.
 */
export const LIVE_REFRESH_MS = 15_000;

export const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1rem 1.5rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .3rem}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0}td.num{text-align:right;white-space:nowrap}
td.actions{white-space:nowrap}form{display:inline;margin:0 .15rem}
button{font:inherit;padding:.1rem .5rem;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid #0a60d0;outline-offset:1px}
tr.state-paused{color:#777}.ok{color:#16794a}.running{color:#3b78e7}.failed{color:#b3261e}.timeout{color:#a05a00}.abandoned{color:#666}
#notice{padding:.4rem .6rem;background:#e8f0fe;border:1px solid #aac4f0;margin:.5rem 0}
#notice.error{background:#fdecea;border-color:#f0aaa5}
svg{background:#fff;border:1px solid #ddd;font-size:11px}
svg .label{fill:#333}svg .hour{fill:#666;text-anchor:middle}
svg .grid{stroke:#eee}svg .lane-line{stroke:#f3f3f3}svg .now{stroke:#0a60d0;stroke-width:1.5}
svg .due{stroke:#0a60d0;stroke-width:2}
svg rect.run.ok{fill:#2e9e64}svg rect.run.failed{fill:#d93025}
svg rect.run.timeout{fill:#f29900}svg rect.run.abandoned{fill:#9e9e9e}
svg rect.run.running{fill:#7baaf7}svg rect.slot{fill:#5f6368}svg .slots-lane{fill:#f6f6f6}
.legend span{margin-right:1rem}.muted{color:#666}
pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:30rem;overflow:auto;background:#f4f4f4;padding:.4rem;margin:.2rem 0}
details summary{cursor:pointer}
`;

/**
 * Confirms actions, and swaps in fresh sections keeping keyboard focus: after each event
 * of the stream (GET /events, when the page is live), else every REFRESH_MS; every
 * LIVE_REFRESH_MS while the stream is open. Refreshes never overlap: one asked for
 * during another runs after it.
 */
const SCRIPT = `
(() => {
  const token = document.body.dataset.token;
  let versions = JSON.parse(document.body.dataset.versions);
  let running = false;
  let again = false;
  let live = false;
  let lastRefresh = Date.now();
  document.addEventListener("submit", (e) => {
    const message = e.target.dataset && e.target.dataset.confirm;
    if (message && !window.confirm(message)) e.preventDefault();
  });
  async function refresh() {
    if (running) return void (again = true);
    running = true;
    lastRefresh = Date.now();
    try {
      const known = Object.entries(versions).map(([id, v]) => id + ":" + v).join(",");
      const query = new URLSearchParams({ token, span: document.body.dataset.span, known });
      const res = await fetch("/api/snapshot?" + query, { cache: "no-store" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const data = await res.json();
      const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : undefined;
      // Only changed sections come back: a hovered bar keeps its tooltip, less to parse.
      for (const [id, markup] of Object.entries(data.sections)) {
        const el = document.getElementById(id);
        if (el) el.innerHTML = markup;
      }
      versions = data.versions;
      if (focused) {
        const back = document.querySelector('[data-key="' + CSS.escape(focused) + '"]');
        if (back) back.focus();
      }
      document.body.dataset.refreshed = String(data.now);
      document.getElementById("stale").hidden = true;
    } catch (err) {
      const stale = document.getElementById("stale");
      stale.textContent = "Refresh failed (" + err.message + "); retrying.";
      stale.hidden = false;
    } finally {
      running = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }
  if (document.body.dataset.live === "1" && window.EventSource) {
    // The browser reconnects a dropped stream by itself; meanwhile the page polls.
    const events = new EventSource("/events?" + new URLSearchParams({ token }));
    events.addEventListener("open", () => {
      live = true;
      document.body.dataset.live = "open";
    });
    events.addEventListener("error", () => {
      live = false;
      document.body.dataset.live = "1";
    });
    // Ready: the stream watches from now on; what changed before it is fetched once.
    for (const kind of ["ready", "change"]) events.addEventListener(kind, () => void refresh());
  }
  setInterval(() => {
    if (Date.now() - lastRefresh >= (live ? ${LIVE_REFRESH_MS} : ${REFRESH_MS})) void refresh();
  }, 1000);
})();
`;

function summary(snapshot: Snapshot): Html {
  const { report, now } = snapshot;
  const { load } = report;
  const last =
    report.lastGlobalStartAt === undefined
      ? "no start yet"
      : `last start ${relative(report.lastGlobalStartAt, now)}`;
  const wanted = `${load.wantedPerMinute.toFixed(2)}/min wanted of ${load.capacityPerMinute.toFixed(2)}`;
  const corrupt = snapshot.corrupt.length
    ? markup` <strong class="failed">${snapshot.corrupt.length} corrupt items skipped.</strong>`
    : "";
  return markup`Global minimum ${shortDuration(report.globalMinIntervalMs)}: ${last}.
    ${load.fits ? `Load fits (${wanted}): every command on time.` : `Overloaded (${wanted}): shared by weight.`}
    <span class="muted">Read ${new Date(now).toISOString().slice(0, 19)} UTC.</span>${corrupt}`;
}

/** A short hash of each section's markup: the page sends back what it shows. */
export function versionsOf(sections: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(sections).map(([id, text]) => [
      id,
      createHash("sha256").update(text).digest("base64url").slice(0, 16),
    ]),
  );
}

/**
 * The refresh: the sections whose version differs from `known` (`id:version,…`, what the
 * page shows) and every section's version.
 */
export function changedSections(
  all: Record<string, string>,
  known: string,
): { sections: Record<string, string>; versions: Record<string, string> } {
  const shown = new Map(known.split(",").map((pair) => pair.split(":") as [string, string]));
  const versions = versionsOf(all);
  const sections = Object.fromEntries(
    Object.entries(all).filter(([id]) => shown.get(id) !== versions[id]),
  );
  return { sections, versions };
}

/** The sections the page script replaces, by element id. */
export function sections(snapshot: Snapshot, token: string, week = false): Record<string, string> {
  return {
    summary: summary(snapshot).text,
    commands: commandsTable(snapshot, token).text,
    timeline: timelineSvg(snapshot, week ? WEEK_MS : TIMELINE_SPAN_MS, { token }).text,
    deadletters: deadLettersSection(snapshot, token).text,
    heldback: heldBackSection(snapshot).text,
    actions: actionsSection(snapshot).text,
    usage: usageSection(snapshot).text,
  };
}

export interface PageOptions {
  token: string;
  nonce: string;
  /** Where the page reads from, e.g. "the local store .ampa/data". */
  target: string;
  notice?: { text: string; error: boolean } | undefined;
  /** The timeline over 7 days instead of 24 hours. */
  week?: boolean;
  /** The server streams changes (GET /events): the page refreshes on each. */
  live?: boolean;
}

export function dashboardPage(snapshot: Snapshot, opts: PageOptions): string {
  const s = sections(snapshot, opts.token, opts.week);
  const zoom = (week: boolean, label: string) =>
    week === Boolean(opts.week)
      ? markup`<strong>${label}</strong>`
      : markup`<a href="/?${String(new URLSearchParams({ token: opts.token, ...(week ? { span: "7d" } : {}) }))}">${label}</a>`;
  const notice = opts.notice
    ? markup`<div id="notice" role="status" class="${opts.notice.error ? "error" : ""}">
        ${opts.notice.text}
      </div>`
    : "";
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>AMPA dashboard</title>
        <style nonce="${opts.nonce}">
          ${rawHtml(CSS)}
        </style>
      </head>
      <body data-token="${opts.token}" data-live="${opts.live ? "1" : "0"}" data-span="${opts.week ? "7d" : "24h"}" data-versions="${JSON.stringify(versionsOf(s))}">
        <h1>AMPA dashboard</h1>
        <p class="muted">${opts.target}</p>
        ${notice}
        <p id="stale" role="alert" hidden></p>
        <p id="summary">${rawHtml(s.summary ?? "")}</p>
        <h2>Commands</h2>
        <div id="commands">${rawHtml(s.commands ?? "")}</div>
        <h2>Last ${opts.week ? "7 days" : "24 hours"} <small>(${zoom(false, "24 h")} | ${zoom(true, "7 d")})</small></h2>
        <p class="legend">
          <span class="ok">■ ok</span><span class="failed">■ failed</span
          ><span class="timeout">■ timeout</span><span class="abandoned">■ abandoned</span
          ><span class="running">■ running</span><span class="muted">| next due</span
          ><span class="muted">▮ global slot (a scheduled start)</span>
        </p>
        <div id="timeline">${rawHtml(s.timeline ?? "")}</div>
        <h2>Usage</h2>
        <div id="usage">${rawHtml(s.usage ?? "")}</div>
        <h2>Work items held back by delegation</h2>
        <div id="heldback">${rawHtml(s.heldback ?? "")}</div>
        <h2>Dead letters</h2>
        <div id="deadletters">${rawHtml(s.deadletters ?? "")}</div>
        <h2>Actions from Discord</h2>
        <div id="actions">${rawHtml(s.actions ?? "")}</div>
        <script nonce="${opts.nonce}">
          ${rawHtml(SCRIPT)};
        </script>
      </body>
    </html>`.text;
}
