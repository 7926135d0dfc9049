import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { SIMULATED_WORKLOAD as WORKLOAD } from "../support/simulated.js";

/**
 * `ampa simulate --html`: the real CLI writes one self-contained file with the dashboard's
 * timeline of the simulated starts and the shares table, read back here as text.
 */

const DURATION_S = 1800;

interface SimulatedJson {
  totalStarts: number;
  html?: string;
  commands: { id: string; runs: number; startsSeconds: number[] }[];
}

let dir: string;
let workloadFile: string;
let htmlFile: string;
let json: SimulatedJson;
let html: string;

/** The markup of one SVG element, by id. */
function svgById(page: string, id: string): string {
  const start = page.indexOf(`<svg id="${id}"`);
  expect(start).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf("</svg>", start) + "</svg>".length);
}

/** Each lane of a timeline: its command id and the classes of its bars, in order. */
function lanes(svg: string): { id: string; bars: string[] }[] {
  return [...svg.matchAll(/<g class="lane" data-command="([^"]*)">(.*?)<\/g>/gs)].map((m) => ({
    id: m[1] ?? "",
    bars: [...(m[2] ?? "").matchAll(/<rect class="run ([a-z]+)"/g)].map((b) => b[1] ?? ""),
  }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ampa-simulate-html-"));
  // The file name is shown on the page: a hostile one too.
  workloadFile = join(dir, `<img src=x onerror=alert(1)>.json`);
  writeFileSync(workloadFile, JSON.stringify(WORKLOAD));
  htmlFile = join(dir, "out.html");
  writeFileSync(htmlFile, "an older file, replaced whole");
  const result = await runCli(
    [
      "simulate",
      "--workload",
      workloadFile,
      "--duration",
      String(DURATION_S),
      "--html",
      htmlFile,
      "--json",
    ],
    {},
  );
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  json = JSON.parse(result.stdout) as SimulatedJson;
  html = readFileSync(htmlFile, "utf8");
}, 60_000);

describe("ampa simulate --html", () => {
  it("still prints the JSON on stdout, naming the file", () => {
    expect(json.html).toBe(htmlFile);
    expect(json.commands.map((c) => c.id)).toEqual(["quick", "slow", "late.joiner"]);
    expect(json.totalStarts).toBeGreaterThan(20);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([`<img src=x onerror=alert(1)>.json`, "out.html"]);
  });

  it("draws one lane per command, in the workload's order, one bar per simulated start", () => {
    const timeline = lanes(svgById(html, "timeline-svg"));
    expect(timeline.map((l) => l.id)).toEqual(["quick", "slow", "late.joiner"]);
    for (const c of json.commands) {
      const lane = timeline.find((l) => l.id === c.id);
      expect({ id: c.id, bars: lane?.bars.length }).toEqual({ id: c.id, bars: c.runs });
    }
    const bars = timeline.reduce((n, l) => n + l.bars.length, 0);
    expect(bars).toBe(json.totalStarts);
  });

  it("marks the global slots the simulated starts took", () => {
    const svg = svgById(html, "timeline-svg");
    const summary = /data-lane="global-slots".*?global slots<title>([^<]*)<\/title>/s.exec(
      svg,
    )?.[1];
    expect(summary).toMatch(new RegExp(`^${json.totalStarts} of \\d+ global slots used`));
    expect(svg).toMatch(/<rect class="slot" /);
  });

  it("draws each run as long as the simulator holds it, the one unfinished at the end as running", () => {
    const slow = json.commands.find((c) => c.id === "slow");
    const last = slow?.startsSeconds.at(-1) ?? 0;
    // This workload ends during a run of slow (150 s from its last start).
    expect(last + 150).toBeGreaterThan(DURATION_S);
    const timeline = lanes(svgById(html, "timeline-svg"));
    expect(timeline.find((l) => l.id === "slow")?.bars.at(-1)).toBe("running");
    expect(timeline.flatMap((l) => l.bars).filter((b) => b === "running")).toHaveLength(1);
    // 150 s of a 31.25-minute axis 1000 px wide: 80 px.
    const widths = [
      ...svgById(html, "timeline-svg").matchAll(
        /class="run ok"[^>]*width="([\d.]+)"[^>]*data-run="slow-/g,
      ),
    ].map((m) => Number(m[1]));
    expect(widths.length).toBe((slow?.runs ?? 0) - 1);
    for (const w of widths) expect(w).toBeCloseTo((150 / (31.25 * 60)) * 1000, 0);
  });

  it("shows each command's share of the starts against its ideal", () => {
    for (const c of json.commands) {
      const row = new RegExp(`<tr data-command="${c.id}">(.*?)</tr>`, "s").exec(html)?.[1] ?? "";
      const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((m) => m[1]);
      const share = `${Math.round((c.runs / json.totalStarts) * 100)}%`;
      expect({ id: c.id, starts: cells[3], share: cells[4]?.startsWith(`${share} / `) }).toEqual({
        id: c.id,
        starts: String(c.runs),
        share: true,
      });
    }
  });

  it("shows hostile titles and file names as text", () => {
    expect(html).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(html).toContain(
      "Slow &amp; &quot;quoted&quot; &lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;",
    );
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;.json");
    expect(html).not.toMatch(/<script|<img/i);
  });

  it("needs nothing from the network and runs no script", () => {
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(|@import|<link|<iframe|<object/i);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;" />`,
    );
  });

  it("adds a close-up of the last hour to a longer simulation", async () => {
    const file = join(dir, "day.html");
    // The same commands ten times sparser: four hours of the workload above cost ~17 CPU-s
    // (240 starts), this one ~7 (about 44); the close-up's share does not depend on density.
    const sparse = join(mkdtempSync(join(tmpdir(), "ampa-simulate-sparse-")), "sparse.json");
    const commands = WORKLOAD.commands.map((c) => ({
      ...c,
      frequency_minutes: c.frequency_minutes * 10,
    }));
    writeFileSync(sparse, JSON.stringify({ commands }));
    const result = await runCli(
      ["simulate", "--workload", sparse, "--duration", String(4 * 3600), "--html", file],
      {},
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`Wrote the timeline to ${file}\n`);
    expect(result.stdout).toContain("Simulated 4h:");
    const page = readFileSync(file, "utf8");
    const closeUp = lanes(svgById(page, "close-up-svg"));
    expect(closeUp.map((l) => l.id)).toEqual(["quick", "slow", "late.joiner"]);
    // The last hour holds about a quarter of four hours' starts.
    const all = lanes(svgById(page, "timeline-svg")).flatMap((l) => l.bars).length;
    const lastHour = closeUp.flatMap((l) => l.bars).length;
    expect(lastHour).toBeGreaterThan(all / 6);
    expect(lastHour).toBeLessThan(all / 2);
    // One process simulating 4 h: ~7 CPU-s, 14 s wall beside 3 other files (the suite's
    // 120 s bound covers it under load).
  });
});

describe("ampa simulate --html with a path it cannot write", () => {
  it("refuses it with exit 2 before simulating, writing nothing", async () => {
    const bad = mkdtempSync(join(tmpdir(), "ampa-simulate-html-bad-"));
    const workload = join(bad, "w.json");
    writeFileSync(workload, JSON.stringify([{ id: "a", frequency_minutes: 1, priority: 0 }]));
    writeFileSync(join(bad, "a-file"), "");
    mkdirSync(join(bad, "a-folder"));
    const cases: [string, string][] = [
      [join(bad, "missing", "out.html"), `no folder ${join(bad, "missing")}`],
      [join(bad, "a-folder"), "it is a folder"],
      [join(bad, "a-file", "out.html"), `${join(bad, "a-file")} is not a folder`],
      ["", "no file named"],
    ];
    const results = await Promise.all(
      cases.map(([path]) =>
        runCli(
          ["simulate", "--workload", workload, "--duration", "86400", "--html", path, "--json"],
          {},
        ),
      ),
    );
    results.forEach((result, i) => {
      const [path, why] = cases[i] ?? ["", ""];
      expect({ path, code: result.code, stdout: result.stdout }).toEqual({
        path,
        code: 2,
        stdout: "",
      });
      const { error } = JSON.parse(result.stderr) as { error: { message: string } };
      expect(error.message).toBe(`Cannot write --html ${path}: ${why}`);
    });
    expect(readdirSync(bad).sort()).toEqual(["a-file", "a-folder", "w.json"]);
    expect(readdirSync(join(bad, "a-folder"))).toEqual([]);
  });
});
