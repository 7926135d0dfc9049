import { describe, expect, it } from "vitest";
import {
  activeSchema,
  atSchema,
  calendarOf,
  calendarProblem,
  instantOf,
  localLabel,
  parseWindow,
  splitWindows,
  timeZoneSchema,
} from "../../src/lib/core/scheduler/windows.js";
import { must } from "../support/commands.js";

/**
 * The calendar of windows and `at` times, on fixed instants around the real 2026
 * daylight-saving changes: Europe/London springs forward on Sun 29 March at 01:00 UTC
 * (01:00 → 02:00) and falls back on Sun 25 October at 01:00 UTC (02:00 → 01:00);
 * America/New_York on Sun 8 March at 07:00 UTC and Sun 1 November at 06:00 UTC.
 */
const at = (iso: string) => Date.parse(iso);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
const firstMessage = (result: { error?: { issues: { message: string }[] } }) =>
  result.error?.issues[0]?.message;

describe("window grammar", () => {
  it("reads days, ranges, lists and times; no days is every day, no times the whole day", () => {
    expect(parseWindow("Mon-Fri 09:00-18:00")).toEqual({
      days: [true, true, true, true, true, false, false],
      start: 540,
      end: 1080,
    });
    expect(parseWindow("sat,SUN").days).toEqual([false, false, false, false, false, true, true]);
    expect(parseWindow("Fri-Mon").days).toEqual([true, false, false, false, true, true, true]);
    expect(parseWindow("22:00-06:00")).toMatchObject({ start: 1320, end: 360 });
    expect(parseWindow("Sun 00:00-24:00")).toMatchObject({ start: 0, end: 1440 });
    expect(splitWindows("Mon-Fri 09:00-18:00; Sat 10:00-12:00;")).toEqual([
      "Mon-Fri 09:00-18:00",
      "Sat 10:00-12:00",
    ]);
  });

  it("names the bad part of a window, a time and a zone", () => {
    expect(firstMessage(activeSchema.safeParse(["Mon-Fry 09:00-18:00"]))).toBe(
      '"Mon-Fry 09:00-18:00": "Fry" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)',
    );
    expect(firstMessage(activeSchema.safeParse(["Mon 09:00-25:00"]))).toBe(
      '"Mon 09:00-25:00": "25:00" is not a time (HH:MM, 00:00-24:00)',
    );
    expect(firstMessage(activeSchema.safeParse(["9-17"]))).toBe(
      '"9-17": "9" is not a time (HH:MM, 00:00-23:59)',
    );
    expect(firstMessage(activeSchema.safeParse(["Mon 09:00-09:00"]))).toBe(
      '"Mon 09:00-09:00": "09:00-09:00" is empty (start equals end)',
    );
    expect(firstMessage(atSchema.safeParse(["7pm"]))).toBe(
      '"7pm" is not a time (HH:MM, 00:00-23:59)',
    );
    expect(firstMessage(timeZoneSchema.safeParse("Europe/Lundon"))).toBe(
      '"Europe/Lundon" is not an IANA time zone (such as Europe/London)',
    );
    expect(timeZoneSchema.safeParse("America/New_York").success).toBe(true);
  });

  it("refuses an at time that no window contains", () => {
    expect(calendarProblem({ active: ["Mon-Fri 09:00-18:00"], at: ["23:00"] })).toBe(
      '"23:00" is outside every active window: it would never start',
    );
    expect(calendarProblem({ active: ["Mon-Fri 22:00-02:00"], at: ["01:00"] })).toBeUndefined();
  });
});

describe("a daylight-saving change neither skips nor doubles a wall time", () => {
  it("starts a skipped time at the change itself", () => {
    expect(iso(instantOf(Date.UTC(2026, 2, 29, 1, 30), "Europe/London"))).toBe(
      "2026-03-29T01:00:00.000Z",
    );
    expect(iso(instantOf(Date.UTC(2026, 2, 8, 2, 30), "America/New_York"))).toBe(
      "2026-03-08T07:00:00.000Z",
    );
  });

  it("takes the first of a repeated time", () => {
    expect(iso(instantOf(Date.UTC(2026, 9, 25, 1, 30), "Europe/London"))).toBe(
      "2026-10-25T00:30:00.000Z",
    );
    expect(iso(instantOf(Date.UTC(2026, 10, 1, 1, 30), "America/New_York"))).toBe(
      "2026-11-01T05:30:00.000Z",
    );
  });

  it("gives one at occurrence a day across both changes", () => {
    const calendar = must(calendarOf({ at: ["01:30"], timeZone: "Europe/London" }));
    const next = (from: string, n: number) => {
      const out: (string | undefined)[] = [];
      for (let t = at(from), i = 0; i < n; i++) {
        t = must(calendar.atAfter(t));
        out.push(iso(t));
      }
      return out;
    };
    expect(next("2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z", // 01:30 does not exist: 02:00 BST
      "2026-03-30T00:30:00.000Z",
    ]);
    expect(next("2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z", // the first 01:30; the second (01:30 GMT) is not a start
      "2026-10-26T01:30:00.000Z",
    ]);
    expect(iso(calendar.atAtOrBefore(at("2026-10-25T01:45:00Z")))).toBe("2026-10-25T00:30:00.000Z");
  });

  it("makes two times in one skipped hour one start", () => {
    const calendar = must(calendarOf({ at: ["01:15", "01:45"], timeZone: "Europe/London" }));
    const first = must(calendar.atAfter(at("2026-03-28T12:00:00Z")));
    expect(iso(first)).toBe("2026-03-29T01:00:00.000Z");
    expect(iso(calendar.atAfter(first))).toBe("2026-03-30T00:15:00.000Z");
  });
});

describe("a window across midnight", () => {
  const london = must(calendarOf({ active: ["Sat 22:00-06:00"], timeZone: "Europe/London" }));
  const state = (t: string) => {
    const s = london.windowState(at(t));
    return { inside: s.inside, until: iso(s.until) };
  };

  it("belongs to the day it starts and is an hour shorter on the spring-forward night", () => {
    expect(state("2026-03-28T21:59:00Z")).toEqual({
      inside: false,
      until: "2026-03-28T22:00:00.000Z",
    });
    // 06:00 BST is 05:00 UTC: seven hours.
    expect(state("2026-03-28T22:00:00Z")).toEqual({
      inside: true,
      until: "2026-03-29T05:00:00.000Z",
    });
    expect(state("2026-03-29T05:00:00Z")).toEqual({
      inside: false,
      until: "2026-04-04T21:00:00.000Z", // next Saturday 22:00 BST
    });
  });

  it("is an hour longer on the fall-back night", () => {
    // 22:00 BST (21:00 UTC) to 06:00 GMT (06:00 UTC): nine hours.
    expect(state("2026-10-24T21:00:00Z")).toEqual({
      inside: true,
      until: "2026-10-25T06:00:00.000Z",
    });
    expect(state("2026-10-25T05:59:00Z").inside).toBe(true);
  });

  it("merges windows that touch into one", () => {
    const calendar = must(calendarOf({ active: ["Mon 20:00-24:00", "Tue 00:00-02:00"] }));
    expect(iso(calendar.windowState(at("2026-03-02T21:00:00Z")).until)).toBe(
      "2026-03-03T02:00:00.000Z",
    );
  });

  it("labels an instant on the command's own clock", () => {
    expect(localLabel(at("2026-03-29T05:00:00Z"), "Europe/London")).toBe("Sun 06:00 Europe/London");
    expect(localLabel(at("2026-03-29T05:00:00Z"))).toBe("Sun 05:00 UTC");
  });
});
