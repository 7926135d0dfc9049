import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../scripts/chromium.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import {
  HOUR,
  type RunningDashboard,
  seedDashboardStore,
  recordFinishedRun,
  seededRun,
  startDashboardCli,
} from "../support/dashboard.js";

import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { waitFor } from "../support/wait.js";

/** `ampa dashboard` in headless Chromium (the system browser, driven by playwright-core). */

let server: EmbeddedStore;
let t: TestTable;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
let seededAt: number;

beforeAll(async () => {
  server = await startTestServer();
  t = await createTestTable(server.endpoint);
  seededAt = Date.now();
  await seedDashboardStore(t.store, seededAt);
  dashboard = await startDashboardCli({
    AMPA_DYNAMODB_ENDPOINT: server.endpoint,
    AMPA_TABLE_NAME: t.tableName,
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await server?.close();
});

const pwned = () => page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned);

describe("the dashboard in a browser", () => {
  it("refuses the page without the token", async () => {
    const res = await page.goto(`${dashboard.origin}/`);
    expect(res?.status()).toBe(403);
  });

  it("lists the seeded commands and shows hostile text inert", async () => {
    await page.goto(dashboard.url);
    const ids = await page.$$eval("#commands-table tbody tr", (rows) =>
      rows.map((r) => r.getAttribute("data-command")),
    );
    expect(ids.sort()).toEqual(["alpha", "hostile", "sleepy"]);
    const title = await page.textContent('#commands-table tr[data-command="hostile"] small');
    expect(title).toBe(`<img src=x onerror="window.__pwned = 3">`);
    expect(await page.locator("#commands-table img, #timeline img").count()).toBe(0);
    const hover = await page.textContent('#timeline g[data-command="hostile"] rect title');
    expect(hover).toContain("<script>window.__pwned = 1</script>");
    expect(await pwned()).toBeUndefined();
  });

  it("opens a command's page with its whole output shown as text", async () => {
    await page.goto(dashboard.url);
    await Promise.all([page.waitForURL(/\/command\?/), page.click('a:has-text("hostile")')]);
    await page.click("#runs details summary");
    const output = await page.textContent("#runs details pre");
    expect(output?.startsWith("<script>window.__pwned = 1</script><img src=x")).toBe(true);
    expect(output).toContain("second line");
    expect(await page.locator("#runs img").count()).toBe(0);
    expect(await pwned()).toBeUndefined();
    await page.goto(dashboard.url);
  });

  it("draws the seeded runs where they belong on the timeline", async () => {
    const svg = page.locator("#timeline-svg");
    const from = Number(await svg.getAttribute("data-from"));
    const to = Number(await svg.getAttribute("data-to"));
    const bars = await page.$$eval('#timeline g[data-command="alpha"] rect.run', (rects) =>
      rects.map((r) => ({ cls: r.getAttribute("class"), x: Number(r.getAttribute("x")) })),
    );
    const expectedX = (agoMs: number) => 160 + ((seededAt - agoMs - from) / (to - from)) * 1000;
    expect(bars.map((b) => b.cls).sort()).toEqual(["run failed", "run ok", "run timeout"]);
    const xs = bars.map((b) => b.x).sort((a, b) => a - b);
    [12, 6, 2].forEach((hours, i) => expect(xs[i]).toBeCloseTo(expectedX(hours * HOUR), 0));
    // Each scheduled start (alpha's three, hostile's one) holds a global slot.
    const slots = await page.$$eval('#timeline g[data-lane="global-slots"] rect.slot', (rects) =>
      rects.map((r) => Number(r.getAttribute("x"))),
    );
    expect(slots).toHaveLength(4);
    [12, 6, 3, 2].forEach((hours, i) => expect(slots[i]).toBeCloseTo(expectedX(hours * HOUR), 0));
  });

  it("asks before pausing, pauses on yes, and the store changes", async () => {
    const pause = page.locator('#commands-table tr[data-command="alpha"] button', {
      hasText: "Pause",
    });
    const posts: string[] = [];
    page.on("request", (r) => void (r.method() === "POST" && posts.push(r.url())));
    page.once("dialog", (d) => void d.dismiss());
    await pause.click();
    expect(posts).toEqual([]);
    expect((await t.store.getCommand("alpha"))?.paused).toBe(false);
    page.once("dialog", (d) => void d.accept());
    await Promise.all([page.waitForURL(/notice=Paused/), pause.click()]);
    expect(posts).toEqual([`${dashboard.origin}/action`]);
    expect((await t.store.getCommand("alpha"))?.paused).toBe(true);
    expect((await page.textContent("#notice"))?.trim()).toBe("Paused alpha");
    page.once("dialog", (d) => void d.accept());
    await Promise.all([
      page.waitForURL(/notice=Resumed/),
      page.locator('tr[data-command="alpha"] button', { hasText: "Resume" }).click(),
    ]);
    expect((await t.store.getCommand("alpha"))?.paused).toBe(false);
  });

  it("shows a new run by itself within a second or two, without reloading the page", async () => {
    await page.evaluate(() => ((globalThis as unknown as { __same?: boolean }).__same = true));
    // The page listens to the dashboard's event stream.
    await page.waitForSelector('body[data-live="open"]', { timeout: 10_000 });
    const run = seededRun("sleepy", Date.now(), 60_000, { outcome: "failure", exitCode: 9 });
    await recordFinishedRun(t.store, run);
    const recordedAt = Date.now();
    await page.waitForSelector(`rect[data-run="${run.runId}"]`, { timeout: 20_000 });
    // An event, not the 15 s poll, brought it (a generous bound for a loaded machine).
    expect(Date.now() - recordedAt).toBeLessThan(5_000);
    expect(await page.evaluate(() => (globalThis as unknown as { __same?: boolean }).__same)).toBe(
      true,
    );
    await waitFor("the refreshed last outcome", async () =>
      (await page.textContent('tr[data-command="sleepy"]'))?.includes("failure"),
    );
  });

  it("zooms to 7 days and keeps the zoom and the keyboard focus across refreshes", async () => {
    await Promise.all([page.waitForURL(/span=7d/), page.click('a:has-text("7 d")')]);
    const label = () => page.getAttribute("#timeline-svg", "aria-label");
    expect(await label()).toContain("7 days");
    await page.focus('tr[data-command="alpha"] button:has-text("Run once")');
    // Browser-side expressions as text: the tests are compiled without the DOM types.
    const refreshedAt = () => page.evaluate<string>('document.body.dataset.refreshed ?? ""');
    const before = await refreshedAt();
    // A change in the store: the page is told and refreshes.
    await t.store.setPaused("hostile", true);
    await waitFor("a refresh", async () => (await refreshedAt()) !== before, 20_000);
    expect(await label()).toContain("7 days");
    const focused = await page.evaluate<string | undefined>("document.activeElement.dataset.key");
    expect(focused).toBe("run-once:alpha");
  });
});
