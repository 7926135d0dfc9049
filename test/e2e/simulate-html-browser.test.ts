import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../scripts/chromium.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { HOSTILE_TITLE, SIMULATED_WORKLOAD } from "../support/simulated.js";

/** The file `ampa simulate --html` writes, opened from disk in headless Chromium. */

let browser: Browser;
let page: Page;
let starts: Record<string, number>;
/** Every URL the page asked for. */
const requested: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "ampa-simulate-browser-"));
  const workload = join(dir, "workload.json");
  writeFileSync(workload, JSON.stringify(SIMULATED_WORKLOAD));
  const html = join(dir, "out.html");
  const result = await runCli(
    ["simulate", "--workload", workload, "--duration", "1800", "--html", html, "--json"],
    {},
  );
  expect(result.code).toBe(0);
  const json = JSON.parse(result.stdout) as { commands: { id: string; runs: number }[] };
  starts = Object.fromEntries(json.commands.map((c) => [c.id, c.runs]));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on("request", (req) => requested.push(req.url()));
  await page.goto(pathToFileURL(html).href);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe("the simulation's HTML file in a browser", () => {
  it("draws one visible bar per simulated start in each command's lane", async () => {
    const drawn = await page.$$eval("#timeline-svg g.lane[data-command]", (lanes) =>
      lanes.map((lane) => ({
        id: lane.getAttribute("data-command"),
        bars: [...lane.querySelectorAll("rect.run")].filter((r) => {
          const box = r.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        }).length,
      })),
    );
    expect(drawn).toEqual(Object.entries(starts).map(([id, bars]) => ({ id, bars })));
  });

  it("draws the global slots lane above the commands' lanes", async () => {
    const slots = await page.$$eval(
      '#timeline-svg g[data-lane="global-slots"] rect.slot',
      (r) => r.filter((el) => el.getBoundingClientRect().width > 0).length,
    );
    expect(slots).toBeGreaterThan(0);
  });

  it("shows the hostile titles as text and runs nothing", async () => {
    expect(await page.textContent('#shares-table tr[data-command="quick"] small')).toBe(
      HOSTILE_TITLE,
    );
    expect(await page.locator("img, script").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBe(undefined);
  });

  it("asks for nothing but the file itself", () => {
    expect(requested).toHaveLength(1);
    expect(requested[0]?.startsWith("file://")).toBe(true);
  });
});
