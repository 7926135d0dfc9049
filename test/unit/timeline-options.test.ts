import { describe, expect, it } from "vitest";
import type { Command } from "../../src/lib/core/command.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { selectionOptions } from "../../src/lib/app/tick.js";
import { statusReport } from "../../src/cli/status.js";
import type { Snapshot } from "../../src/cli/dashboard/snapshot.js";
import { timelineSvg } from "../../src/cli/dashboard/timeline.js";
import { command } from "../support/commands.js";

/** The timeline as `ampa simulate --html` draws it: short spans, its own id and words. */

const { config } = parseConfig({});
const NOW = Date.parse("2030-01-07T00:30:00.000Z");
const MINUTE = 60_000;

function snapshot(commands: Command[], now = NOW): Snapshot {
  return {
    now,
    report: statusReport(commands, now, selectionOptions(config), undefined),
    commands: new Map(commands.map((c) => [c.id, c])),
    runs: new Map(commands.map((c) => [c.id, []])),
    deadLetters: [],
    corrupt: [],
  };
}

const gridXs = (svg: string) =>
  [...svg.matchAll(/<line class="grid" x1="([\d.]+)"/g)].map((m) => Number(m[1]));
const labels = (svg: string) =>
  [...svg.matchAll(/<text class="hour"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe("the timeline over a short span", () => {
  it("draws a line every 5 minutes over half an hour, labelled every 15", () => {
    const svg = timelineSvg(snapshot([command("a")]), 30 * MINUTE).text;
    // 30 minutes and 75 s past now on 1000 px: 5 minutes is 160 px.
    const xs = gridXs(svg);
    expect(xs).toHaveLength(7);
    expect((xs[1] ?? 0) - (xs[0] ?? 0)).toBeCloseTo(160, 0);
    expect(labels(svg)).toEqual(["00:00", "00:15", "now"]);
  });

  it("draws a line every minute over ten minutes", () => {
    const svg = timelineSvg(snapshot([command("a")]), 10 * MINUTE).text;
    expect(gridXs(svg)).toHaveLength(11);
    expect(labels(svg)).toEqual(["00:21", "00:24", "00:27", "now"]);
  });

  it("keeps the dashboard's hourly lines over a day", () => {
    const svg = timelineSvg(snapshot([command("a")])).text;
    expect(gridXs(svg)).toHaveLength(25);
    expect(labels(svg).slice(0, 3)).toEqual(["03:00", "06:00", "09:00"]);
  });
});

describe("the timeline's options", () => {
  it("takes its id and words from the caller, the dashboard's by default", () => {
    const given = timelineSvg(snapshot([command("a")]), 30 * MINUTE, {
      id: "close-up-svg",
      description: "Simulated <starts>",
      now: "end",
    }).text;
    expect(given).toContain(
      '<svg id="close-up-svg" role="img" aria-label="Simulated &lt;starts&gt;"',
    );
    expect(labels(given).at(-1)).toBe("end");
    const plain = timelineSvg(snapshot([command("a")])).text;
    expect(plain).toContain(
      '<svg id="timeline-svg" role="img" aria-label="Runs of the last 24 hours, one lane per command"',
    );
    expect(labels(plain).at(-1)).toBe("now");
  });
});
