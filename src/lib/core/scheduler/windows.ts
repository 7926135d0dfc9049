import * as z from "zod";

/**
 * Active windows and daily `at` times, pure: a command's calendar in its IANA time zone,
 * and for an instant whether it is inside a window, when that changes, and its `at`
 * occurrences around it. Zone offsets come from Intl; no clock is read.
 *
 * Grammar of one window: `[DAYS] [HH:MM-HH:MM]`, at least one of the two. DAYS is a day
 * (`Mon`…`Sun`, any case), a range (`Mon-Fri`, `Fri-Mon` wraps) or a comma list of those
 * (`Sat,Sun`); no days means every day, no times the whole day. An end at or before the
 * start (`22:00-06:00`) runs past midnight and belongs to the day it starts; `24:00` ends
 * at midnight. Several windows: an array, or one string split on `;`.
 *
 * Wall times that a daylight-saving change skips start at the first instant after the gap
 * (the change itself); wall times it repeats mean their first occurrence. So a change
 * neither skips nor doubles a start.
 */

const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const DAY_LIST = "Mon, Tue, Wed, Thu, Fri, Sat, Sun";
const MINUTE = 60_000;
const DAY = 86_400_000;

/** One window: on these days (0 = Monday), from `start` to `end`, minutes of the local day. */
export interface ActiveWindow {
  days: readonly boolean[];
  start: number;
  /** At or before `start`: the window ends the next day. */
  end: number;
}

/** Minutes of the day of `HH:MM` (`24:00` only where `allowEnd`), or undefined. */
function minutesOf(text: string, allowEnd = false): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59 || minutes > (allowEnd ? 1440 : 1439)) return undefined;
  return minutes;
}

const timeProblem = (text: string, allowEnd = false) =>
  `${JSON.stringify(text)} is not a time (HH:MM, 00:00-${allowEnd ? "24:00" : "23:59"})`;

function dayIndex(name: string): number {
  const i = DAY_NAMES.indexOf(name.toLowerCase() as (typeof DAY_NAMES)[number]);
  if (i < 0) throw new Error(`${JSON.stringify(name)} is not a day (${DAY_LIST})`);
  return i;
}

function parseDays(text: string): boolean[] {
  const days = Array<boolean>(7).fill(false);
  for (const part of text.split(",")) {
    const [from = "", to, extra] = part.trim().split("-");
    if (extra !== undefined) throw new Error(`${JSON.stringify(part.trim())} is not a day range`);
    const a = dayIndex(from.trim());
    const b = to === undefined ? a : dayIndex(to.trim());
    for (let d = a; ; d = (d + 1) % 7) {
      days[d] = true;
      if (d === b) break;
    }
  }
  return days;
}

/** One window's text as a window; throws a message naming the bad part. */
export function parseWindow(text: string): ActiveWindow {
  const trimmed = text.trim();
  if (trimmed === "") throw new Error("is empty (e.g. Mon-Fri 09:00-18:00)");
  const times = /(\S+)-(\S+)$/.exec(trimmed);
  const hasTimes = times !== null && /\d/.test(times[0]);
  const dayText = hasTimes ? trimmed.slice(0, times.index).trim() : trimmed;
  const days = dayText === "" ? Array<boolean>(7).fill(true) : parseDays(dayText);
  if (!hasTimes) return { days, start: 0, end: 1440 };
  const [, startText = "", endText = ""] = times;
  const start = minutesOf(startText);
  if (start === undefined) throw new Error(timeProblem(startText));
  const end = minutesOf(endText, true);
  if (end === undefined) throw new Error(timeProblem(endText, true));
  if (start === end) throw new Error(`${JSON.stringify(times[0])} is empty (start equals end)`);
  return { days, start, end };
}

/** `"Mon-Fri 09:00-18:00; Sat,Sun"` or an array of windows, as one window text each. */
export function splitWindows(spec: string | readonly string[]): string[] {
  const parts = typeof spec === "string" ? spec.split(";") : spec.flatMap((s) => s.split(";"));
  return parts.map((s) => s.trim()).filter((s) => s !== "");
}

/** `"09:00,23:00"` or an array of times, one `HH:MM` each. */
export function splitTimes(spec: string | readonly string[]): string[] {
  const parts = typeof spec === "string" ? spec.split(",") : spec.flatMap((s) => s.split(","));
  return parts.map((s) => s.trim()).filter((s) => s !== "");
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one costs far more than using it. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall clock at `t`, as if that wall clock were UTC (ms, seconds kept). */
function wallClock(t: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(t))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (((t % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `t`, in ms. */
const offsetAt = (t: number, timeZone: string) => wallClock(t, timeZone) - t;

/**
 * The instant of a wall time (given as if it were UTC): its first occurrence when a
 * change repeats it, the change itself when a change skips it.
 */
export function instantOf(wall: number, timeZone: string): number {
  // Offsets a day either side bracket any single change.
  const before = wall - offsetAt(wall - DAY, timeZone);
  const after = wall - offsetAt(wall + DAY, timeZone);
  const valid = [before, after].filter((t) => wallClock(t, timeZone) === wall);
  if (valid.length > 0) return Math.min(...valid);
  // A gap: the first minute whose wall clock is past it, between the two guesses.
  let lo = Math.floor(Math.min(before, after) / MINUTE);
  let hi = Math.ceil(Math.max(before, after) / MINUTE);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(mid * MINUTE, timeZone) >= wall) hi = mid;
    else lo = mid + 1;
  }
  return lo * MINUTE;
}

/** A command's calendar: where its windows and `at` times are. */
export interface CalendarSpec {
  active?: readonly string[] | undefined;
  at?: readonly string[] | undefined;
  timeZone?: string | undefined;
}

/** Where the calendar stands at an instant: inside a window or not, and until when. */
export interface WindowState {
  inside: boolean;
  /** When that changes; Infinity when it never does (no windows: always inside). */
  until: number;
}

export interface Calendar {
  timeZone: string;
  hasWindows: boolean;
  hasAt: boolean;
  windowState(t: number): WindowState;
  /** The first `at` occurrence after `t` (inside a window), or undefined without `at`. */
  atAfter(t: number): number | undefined;
  /** The last `at` occurrence at or before `t` (inside a window), or undefined. */
  atAtOrBefore(t: number): number | undefined;
  /**
   * The `at` occurrence owed at `now` by a command last started at `since`: the last one
   * after `since` while `now` is at most halfway to the one after it, else the next one.
   * Infinity when there is none (times outside every window: calendarProblem).
   */
  owedAt(since: number, now: number): number;
}

/** How far a search looks: a week of days and a day either side for overnight windows. */
const SEARCH_DAYS = 9;

/** Monday = 0 of a UTC-midnight wall day. */
const weekday = (wallDay: number) => (new Date(wallDay).getUTCDay() + 6) % 7;

/** The wall day (UTC midnight of the local date) `t` falls in. */
const wallDayOf = (t: number, timeZone: string) => Math.floor(wallClock(t, timeZone) / DAY) * DAY;

/** Window spans [start, end) in ms that begin on the wall days from `firstDay`, merged. */
function spans(
  windows: readonly ActiveWindow[],
  timeZone: string,
  firstDay: number,
  days = SEARCH_DAYS,
): [number, number][] {
  const raw: [number, number][] = [];
  for (let i = 0; i < days; i++) {
    const day = firstDay + i * DAY;
    for (const w of windows) {
      if (!w.days[weekday(day)]) continue;
      const endDay = w.end <= w.start ? day + DAY : day;
      const from = instantOf(day + w.start * MINUTE, timeZone);
      raw.push([from, instantOf(endDay + w.end * MINUTE, timeZone)]);
    }
  }
  raw.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of raw) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else if (to > from) merged.push([from, to]);
  }
  return merged;
}

function stateIn(merged: readonly [number, number][], t: number): WindowState {
  for (const [from, to] of merged) {
    if (t < from) return { inside: false, until: from };
    if (t < to) return { inside: true, until: to };
  }
  // Not reached for a valid spec: every window has a day, so a week always holds one.
  return { inside: false, until: Number.POSITIVE_INFINITY };
}

/** `f` remembering its last few answers. */
function memo<T>(f: (day: number) => T): (day: number) => T {
  const cache = new Map<number, T>();
  return (day) => {
    let value = cache.get(day);
    if (value === undefined) {
      if (cache.size >= 16) cache.clear();
      value = f(day);
      cache.set(day, value);
    }
    return value;
  };
}

const ALWAYS: WindowState = { inside: true, until: Number.POSITIVE_INFINITY };

function compile(spec: CalendarSpec): Calendar {
  const timeZone = spec.timeZone ?? "UTC";
  const windows = (spec.active ?? []).map(parseWindow);
  const times = [...new Set((spec.at ?? []).map((a) => minutesOf(a) ?? 0))].sort((a, b) => a - b);
  const hasWindows = windows.length > 0;

  // A tick (and a simulation, a minute at a time) asks about the same days again and again.
  const spansByDay = memo((firstDay: number) => spans(windows, timeZone, firstDay));
  const occurrencesByDay = memo(occurrences);

  /** The `at` occurrences in a window on the wall days from `firstDay`, in order, once each. */
  function occurrences(firstDay: number): number[] {
    const merged = hasWindows ? spans(windows, timeZone, firstDay - DAY, SEARCH_DAYS + 2) : [];
    const out: number[] = [];
    for (let i = 0; i < SEARCH_DAYS; i++) {
      for (const minutes of times) {
        const t = instantOf(firstDay + i * DAY + minutes * MINUTE, timeZone);
        // Two times in one skipped hour land on the same instant: one start.
        if (out[out.length - 1] !== t && (!hasWindows || stateIn(merged, t).inside)) out.push(t);
      }
    }
    return out;
  }

  const atAfter = (t: number) => occurrencesByDay(wallDayOf(t, timeZone) - DAY).find((o) => o > t);
  const atAtOrBefore = (t: number) =>
    occurrencesByDay(wallDayOf(t, timeZone) - 7 * DAY)
      .filter((o) => o <= t)
      .pop();
  return {
    timeZone,
    hasWindows,
    hasAt: times.length > 0,
    windowState: (t) =>
      hasWindows ? stateIn(spansByDay(wallDayOf(t, timeZone) - DAY), t) : ALWAYS,
    atAfter,
    atAtOrBefore,
    owedAt(since, now) {
      const last = atAtOrBefore(now);
      if (last !== undefined && last > since) {
        const following = atAfter(last);
        if (following === undefined || now - last <= (following - last) / 2) return last;
      }
      return atAfter(now) ?? Number.POSITIVE_INFINITY;
    },
  };
}

const calendars = new Map<string, Calendar>();

/**
 * The compiled calendar of a spec (cached: a tick asks for it once per command per pass),
 * or undefined when it has neither windows nor `at` times. Expects a spec that validates.
 */
export function calendarOf(spec: CalendarSpec): Calendar | undefined {
  if (!spec.active?.length && !spec.at?.length) return undefined;
  const key = JSON.stringify([spec.active ?? [], spec.at ?? [], spec.timeZone ?? "UTC"]);
  let calendar = calendars.get(key);
  if (!calendar) {
    if (calendars.size >= 1000) calendars.clear();
    calendar = compile(spec);
    calendars.set(key, calendar);
  }
  return calendar;
}

/** Whether `spec` is inside its active windows at `t` (always, without any), and until when. */
export function windowState(spec: CalendarSpec, t: number): WindowState {
  return calendarOf(spec)?.windowState(t) ?? ALWAYS;
}

/** `Mon 09:00 Europe/London`: an instant on the command's own clock, for people. */
export function localLabel(t: number, timeZone = "UTC"): string {
  const wall = wallClock(t, timeZone);
  const day = DAY_NAMES[weekday(Math.floor(wall / DAY) * DAY)] ?? "";
  const hhmm = new Date(wall).toISOString().slice(11, 16);
  return `${day.charAt(0).toUpperCase()}${day.slice(1)} ${hhmm} ${timeZone}`;
}

// ── Schemas (core/command.ts puts them on the spec) ──────────────────────────────────

/** Active windows as stored: one window per entry. */
export const activeSchema = z
  .array(z.string(), { error: "must be a list of windows such as Mon-Fri 09:00-18:00" })
  .min(1, "must hold at least one window")
  .superRefine((windows, ctx) => {
    windows.forEach((text, i) => {
      try {
        parseWindow(text);
      } catch (err) {
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `${JSON.stringify(text)}: ${(err as Error).message}`,
        });
      }
    });
  });

/** Daily start times as stored: `HH:MM` each. */
export const atSchema = z
  .array(z.string(), { error: "must be a list of times HH:MM" })
  .min(1, "must hold at least one time")
  .superRefine((times, ctx) => {
    times.forEach((text, i) => {
      if (minutesOf(text) === undefined)
        ctx.addIssue({ code: "custom", path: [i], message: timeProblem(text) });
    });
  });

export const timeZoneSchema = z
  .string({ error: "must be an IANA time zone such as Europe/London" })
  .superRefine((zone, ctx) => {
    if (!isTimeZone(zone))
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(zone)} is not an IANA time zone (such as Europe/London)`,
      });
  });

/**
 * Why windows and times cannot go together, or undefined: an `at` time outside every
 * window would never start.
 */
export function calendarProblem(spec: CalendarSpec): string | undefined {
  if (!spec.active?.length || !spec.at?.length) return undefined;
  let windows: ActiveWindow[];
  try {
    windows = spec.active.map(parseWindow);
  } catch {
    return undefined; // The window's own check names it.
  }
  for (const at of spec.at) {
    const m = minutesOf(at);
    if (m === undefined) continue;
    const inside = windows.some((w) =>
      w.end > w.start ? m >= w.start && m < w.end : m >= w.start || m < w.end,
    );
    if (!inside)
      return `${JSON.stringify(at)} is outside every active window: it would never start`;
  }
  return undefined;
}
