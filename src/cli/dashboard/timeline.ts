import { liveHref } from "./live-page.js";
import type { RunOutcome, RunRecord } from "../../lib/core/command.js";
import { markup, type Html } from "./html.js";
import type { StatusRow } from "../status.js";
import type { GlobalSlots, Snapshot } from "./snapshot.js";

/** The timeline: one lane per command, one bar per run, the last 24 hours, as inline SVG. */

export const TIMELINE_SPAN_MS = 24 * 3_600_000;
/** The zoomed-out timeline: as far back as the stored runs (AMPA_SCHEDULER_MAX_RUN_HISTORY) go. */
export const WEEK_MS = 7 * TIMELINE_SPAN_MS;
/** Shown past now, so the next due times can be ticked. */
const FUTURE_MS = 3_600_000;
const LABEL_W = 160;
const PLOT_W = 1000;
const LANE_H = 18;
const AXIS_H = 20;
/** Bars narrower than this are widened, so a one-second run can still be hovered. */
const MIN_BAR_W = 2;
/** The first line of output in a hover, at most this long. */
const HOVER_OUTPUT_CHARS = 160;

export const OUTCOME_CLASS: Record<RunOutcome, string> = {
  success: "ok",
  failure: "failed",
  timeout: "timeout",
  abandoned: "abandoned",
  error: "failed",
};

/** The first line of a run's output, cut, for a hover. */
export function firstLine(output: string, max = HOVER_OUTPUT_CHARS): string {
  const line = output.split("\n", 1)[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const utc = (ms: number) => new Date(ms).toISOString().slice(11, 19);

function bar(run: RunRecord, x: Scale, y: number): Html {
  const left = x(Math.max(run.startedAt, x.from));
  const width = Math.max(x(Math.min(run.endedAt, x.to)) - left, MIN_BAR_W);
  const hover = [
    `${run.commandId}: ${run.outcome}, exit ${run.exitCode ?? "none"}`,
    `${duration(run.durationMs)} from ${utc(run.startedAt)} UTC, ${run.trigger}`,
    firstLine(run.output),
  ].join("\n");
  return markup`<rect class="run ${OUTCOME_CLASS[run.outcome]}" x="${left.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${LANE_H - 6}" data-run="${run.runId}"><title>${hover}</title></rect>`;
}

type Scale = ((t: number) => number) & { from: number; to: number; now: number };

function scale(from: number, to: number, now: number): Scale {
  const f = (t: number) => LABEL_W + ((t - from) / (to - from)) * PLOT_W;
  return Object.assign(f, { from, to, now });
}

/** Grid steps for spans up to two days: the finest that draws at most MAX_GRID_LINES. */
const GRID_STEPS_MS = [1, 5, 10, 30, 60].map((minutes) => minutes * 60_000);
const MAX_GRID_LINES = 30;

/**
 * A line every hour (every 6 h over a week; finer over a span of a few hours, as a short
 * simulation draws), labelled every third line (every day at 00:00 over a week).
 */
function timeGrid(x: Scale, height: number): Html[] {
  const span = x.to - x.from;
  const week = span > 2 * TIMELINE_SPAN_MS;
  const stepMs = week
    ? 6 * 3_600_000
    : (GRID_STEPS_MS.find((step) => span / step <= MAX_GRID_LINES) ?? 3_600_000);
  const lines: Html[] = [];
  for (let t = Math.ceil(x.from / stepMs) * stepMs; t <= x.to; t += stepMs) {
    const hour = new Date(t).getUTCHours();
    // No label next to "now" (it would overlap) or past it.
    const label =
      t < x.now - span / 25 &&
      (week
        ? hour === 0 && new Date(t).toISOString().slice(5, 10)
        : Math.round(t / stepMs) % 3 === 0 && utc(t).slice(0, 5));
    lines.push(
      markup`<line class="grid" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${AXIS_H}" y2="${height}"/>${label ? markup`<text class="hour" x="${x(t).toFixed(1)}" y="14">${label}</text>` : ""}`,
    );
  }
  return lines;
}

/** The run holding the command's lease, as a bar growing to now; undefined when none runs. */
function runningBar(
  row: StatusRow,
  snapshot: Snapshot,
  x: Scale,
  y: number,
  token: string | undefined,
): Html | undefined {
  const command = snapshot.commands.get(row.id);
  const lease = row.lease;
  if (!lease || lease.expired || command?.lastStartAt === undefined) return undefined;
  if (command.lastRunId !== lease.runId) return undefined;
  const left = x(Math.max(command.lastStartAt, x.from));
  const width = Math.max(x(x.now) - left, MIN_BAR_W);
  const hover = `${row.id}: running since ${utc(command.lastStartAt)} UTC\n${lease.worker ?? "starting"}`;
  const rect = markup`<rect class="run running" x="${left.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${LANE_H - 6}" data-run="${lease.runId}"><title>${hover}</title></rect>`;
  // The bar opens the run's live output (as `ampa logs -f` shows it).
  return token === undefined
    ? rect
    : markup`<a class="live" href="${liveHref(lease.runId, token)}">${rect}</a>`;
}

/** Slots closer than this many pixels are drawn as one mark: the lane stays small. */
const SLOT_MERGE_PX = 1;

/** One mark: the slots held from `from` to `to`, by `starts` scheduled starts. */
interface SlotMark {
  from: number;
  to: number;
  starts: GlobalSlots["starts"];
}

function slotMarks(slots: GlobalSlots, x: Scale): SlotMark[] {
  const marks: SlotMark[] = [];
  const inView = slots.starts.filter((s) => s.at + slots.minIntervalMs >= x.from && s.at <= x.to);
  for (const start of inView) {
    const to = start.at + slots.minIntervalMs;
    const last = marks[marks.length - 1];
    if (last && x(start.at) - x(last.to) < SLOT_MERGE_PX) {
      last.to = Math.max(last.to, to);
      last.starts = [...last.starts, start];
    } else marks.push({ from: start.at, to, starts: [start] });
  }
  return marks;
}

function slotHover(mark: SlotMark): string {
  const [first] = mark.starts;
  if (mark.starts.length === 1 && first)
    return first.commandId === undefined
      ? `the last global start, ${utc(first.at)} UTC`
      : `${first.commandId}: scheduled start ${utc(first.at)} UTC`;
  return `${mark.starts.length} scheduled starts from ${utc(mark.from)} to ${utc(mark.to)} UTC`;
}

/** What the lane's label says on hover: how much of the window's capacity was used. */
function slotsSummary(slots: GlobalSlots, x: Scale): string {
  const used = slots.starts.filter((s) => s.at >= x.from && s.at <= x.now).length;
  if (slots.minIntervalMs <= 0) return `${used} scheduled starts (no global minimum)`;
  const capacity = Math.floor((x.now - x.from) / slots.minIntervalMs);
  return `${used} of ${capacity} global slots used (${((used / capacity) * 100).toFixed(1)}%), one per ${duration(slots.minIntervalMs)}`;
}

function slotsLane(slots: GlobalSlots, x: Scale): Html {
  const y = AXIS_H;
  const marks = slotMarks(slots, x).map((m) => {
    const left = x(Math.max(m.from, x.from));
    const width = Math.max(x(Math.min(m.to, x.to)) - left, SLOT_MERGE_PX);
    return markup`<rect class="slot" x="${left.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${LANE_H - 6}" data-slot="${m.from}"><title>${slotHover(m)}</title></rect>`;
  });
  return markup`<g class="lane slots" data-lane="global-slots"><rect class="slots-lane" x="${LABEL_W}" y="${y}" width="${PLOT_W}" height="${LANE_H}"/><text class="label" x="4" y="${y + 13}">global slots<title>${slotsSummary(slots, x)}</title></text>${marks}</g>`;
}

function lane(
  row: StatusRow,
  i: number,
  snapshot: Snapshot,
  x: Scale,
  token: string | undefined,
): Html {
  const y = AXIS_H + i * LANE_H;
  const runs = (snapshot.runs.get(row.id) ?? []).filter(
    (r) => r.endedAt >= x.from && r.startedAt <= x.now,
  );
  const dueX =
    row.state !== "paused" && row.nextDueAt !== undefined && row.nextDueAt <= x.to
      ? x(Math.max(row.nextDueAt, x.now)).toFixed(1)
      : undefined;
  const due =
    dueX === undefined || row.nextDueAt === undefined
      ? ""
      : markup`<line class="due" x1="${dueX}" x2="${dueX}" y1="${y + 1}" y2="${y + LANE_H - 1}"><title>${row.id} next due ${utc(row.nextDueAt)} UTC</title></line>`;
  return markup`<g class="lane" data-command="${row.id}"><text class="label" x="4" y="${y + 13}">${row.id}</text><line class="lane-line" x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${y + LANE_H}" y2="${y + LANE_H}"/>${runs.map((r) => bar(r, x, y))}${runningBar(row, snapshot, x, y, token)}${due}</g>`;
}

/** The id and the words of one timeline; the dashboard's when absent. */
export interface TimelineOptions {
  /** The element id (`timeline-svg`). */
  id?: string;
  /** The image's accessible name. */
  description?: string;
  /** The label on the line at "now". */
  now?: string;
  /** The dashboard's token: running bars link to their live view (none: no links). */
  token?: string;
}

/**
 * The SVG for the snapshot's commands, in the status order, over the last 24 hours (or
 * `spanMs`), below a lane of the global slots when the snapshot has them. Its
 * "now" is the end of the current minute: the markup stays the same from one refresh to
 * the next until a run starts or ends or the minute turns, so a hovered bar stays put.
 */
export function timelineSvg(
  snapshot: Snapshot,
  spanMs = TIMELINE_SPAN_MS,
  opts: TimelineOptions = {},
): Html {
  const { report } = snapshot;
  const now = Math.ceil(snapshot.now / 60_000) * 60_000;
  const x = scale(now - spanMs, now + FUTURE_MS * (spanMs / TIMELINE_SPAN_MS), now);
  const slots = snapshot.globalSlots;
  const first = slots ? 1 : 0;
  const height = AXIS_H + (first + report.rows.length) * LANE_H + 4;
  const lanes = report.rows.map((row, i) => lane(row, first + i, snapshot, x, opts.token));
  const nowX = x(now).toFixed(1);
  const description =
    opts.description ??
    `Runs of the last ${spanMs > TIMELINE_SPAN_MS ? "7 days" : "24 hours"}, one lane per command`;
  return markup`<svg id="${opts.id ?? "timeline-svg"}" role="img" aria-label="${description}" viewBox="0 0 ${LABEL_W + PLOT_W + 10} ${height}" width="100%" data-from="${x.from}" data-to="${x.to}">${timeGrid(x, height)}${slots ? slotsLane(slots, x) : ""}${lanes}<line class="now" x1="${nowX}" x2="${nowX}" y1="${AXIS_H - 4}" y2="${height}" /><text class="hour" x="${nowX}" y="${AXIS_H - 6}">${opts.now ?? "now"}</text></svg>`;
}
