import type { SimulationResult, WorkloadWithDynamics } from "../../lib/local/simulate.js";
import { simulationSummary } from "../simulation.js";
import { every } from "../status-text.js";
import { markup, type Html, rawHtml } from "./html.js";
import { CSS } from "./page.js";
import { simulationSnapshot } from "./simulated.js";
import { percent } from "./tables.js";
import { timelineSvg } from "./timeline.js";

/**
 * `ampa simulate --html`: one self-contained file (no script, nothing fetched) with the
 * dashboard's timeline of the simulated starts and each command's share against its ideal.
 */

/** No script, no network: only the inline style may apply, whatever the file holds. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'";

const HOUR_MS = 3_600_000;
/** A timeline longer than this gets a close-up of its last hour. */
const CLOSE_UP_AFTER_MS = 3 * HOUR_MS;

const EXTRA_CSS = `
#shares-table{width:auto}#shares-table td,#shares-table th{padding:.25rem .8rem}
`;

/** 45s, 2.5m, 1.5h: intervals as the shares table shows them. */
function interval(ms: number | null): string {
  if (ms === null) return "-";
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${(s / 60).toFixed(1)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

function signed(x: number | null): string {
  if (x === null) return "-";
  const tenths = Math.round(x * 1000) / 10;
  // A deviation that rounds to nothing has no sign (not "-0.0%").
  if (tenths === 0) return "0.0%";
  return `${tenths > 0 ? "+" : ""}${tenths.toFixed(1)}%`;
}

/** Each command's share of the starts against its ideal share, in the workload's order. */
export function sharesTable(result: SimulationResult, workload: WorkloadWithDynamics): Html {
  const titles = new Map(workload.commands.map((w) => [w.id, w.title]));
  // The ideal rates are 1 / ideal interval (fair-share.ts); a share is a rate over their sum.
  const idealRate = result.commands.reduce((n, c) => n + 1 / c.idealMs, 0);
  const rows = result.commands.map((c) => {
    const title = titles.get(c.id);
    const idealShare = 1 / c.idealMs / idealRate;
    return markup`<tr data-command="${c.id}"><td><strong>${c.id}</strong>${title ? markup`<br /><small>${title}</small>` : ""}</td><td class="num">${every(c.desiredMs / 60_000)}</td><td class="num">${c.priority}</td><td class="num">${c.runs}</td><td class="num">${percent(c.share)} / ${percent(idealShare)}</td><td class="num">${interval(c.meanMs)} / ${interval(c.idealMs)}</td><td class="num">${signed(c.idealDeviation)}</td><td class="num">${interval(c.longestGapMs)}</td></tr>`;
  });
  return markup`<table id="shares-table"><thead><tr><th scope="col">id</th><th scope="col" title="desired interval">every</th><th scope="col">pri</th><th scope="col">starts</th><th scope="col" title="share of all simulated starts / ideal share under the rule">share / ideal</th><th scope="col" title="mean start-to-start interval (paused and LLM-down time taken out) / ideal interval">interval / ideal</th><th scope="col" title="mean interval against the ideal">deviation</th><th scope="col" title="longest time without a start">longest gap</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export interface SimulationPageOptions {
  /** The workload file, as the operator named it. */
  source: string;
}

/** The whole file. */
export function simulationPage(
  result: SimulationResult,
  workload: WorkloadWithDynamics,
  opts: SimulationPageOptions,
): string {
  const { startAt, at } = result.end;
  const snapshot = simulationSnapshot(result, workload);
  // From the first tick to the end of the minute the time was up in (the timeline's "now").
  const spanMs = Math.ceil(at / 60_000) * 60_000 - startAt;
  const svg = timelineSvg(snapshot, spanMs, {
    description: `Simulated starts of ${result.commands.length} commands, one lane per command`,
    now: "end",
  });
  // Over hours, bars of minutes merge: the last hour, drawn again at a readable scale.
  const closeUp =
    spanMs > CLOSE_UP_AFTER_MS
      ? markup`<h2>The last hour</h2><div id="close-up">${timelineSvg(snapshot, HOUR_MS, {
          id: "close-up-svg",
          description: "Simulated starts of the last hour, one lane per command",
          now: "end",
        })}</div>`
      : "";
  const summary = simulationSummary(result).map((line) => markup`${line}<br />`);
  const from = new Date(startAt).toISOString().slice(0, 16).replace("T", " ");
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${CSP}" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>AMPA simulation of ${opts.source}</title>
        <style>
          ${rawHtml(CSS + EXTRA_CSS)}
        </style>
      </head>
      <body>
        <h1>AMPA simulation</h1>
        <p class="muted">
          Workload ${opts.source}. The simulated clock starts at ${from} UTC (the first tick).
        </p>
        <p id="summary">${summary}</p>
        <h2>Timeline</h2>
        <p class="legend">
          <span class="ok">■ run</span><span class="running">■ still running at the end</span
          ><span class="muted">| next due after the end</span>
        </p>
        <div id="timeline">${svg}</div>
        ${closeUp}
        <h2>Shares</h2>
        <div id="shares">${sharesTable(result, workload)}</div>
      </body>
    </html>`.text;
}
