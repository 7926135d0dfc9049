// The local inbox's page in headless Chromium (playwright-core): a run's post shown with
// its buttons, hostile text inert, and a click on Pause — signed by the inbox with the local
// key and sent over real HTTP to the interactions handler — pausing the command; a link
// button shown as a link.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../scripts/chromium.js";
import { type LocalDiscord, startLocalDiscord } from "../support/local-discord.js";
import { waitFor } from "../support/wait.js";

const HOSTILE = `<img src=x onerror="window.__pwned = 1">`;

let local: LocalDiscord;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  local = await startLocalDiscord();
  browser = await launchChromium();
  page = await browser.newPage();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await local?.close();
});

describe("the local inbox in a browser", () => {
  it("shows a post with its buttons as text, and its Pause button pauses the command", async () => {
    const { post } = await local.runAndPost("browsed", `echo '${HOSTILE}'`);
    await page.goto(local.inbox.pageUrl);
    const article = page.locator(`article[data-message-id="${post.id}"]`);
    await article.waitFor();
    expect(await article.locator("pre").textContent()).toContain(HOSTILE);
    expect(await page.locator("article img").count()).toBe(0);
    expect(await article.locator("button").allTextContents()).toEqual(["Run again", "Pause"]);

    await article.locator("button", { hasText: "Pause" }).click();
    await waitFor(
      "the command paused",
      async () => (await local.store.getCommand("browsed"))?.paused,
    );
    // The deferred answer's edit comes back to the inbox, and the page shows it.
    await page.locator("article.answer pre", { hasText: "Paused `browsed`." }).waitFor();
    const action = (await local.store.listActions(10)).find((a) => a.commandId === "browsed");
    expect(action).toMatchObject({ action: "pause", outcome: "done", messageId: post.id });
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
  });

  it("shows a link button as a link: https only, opening in a new tab, never clicked through", async () => {
    const url = "https://github.com/acme/app/pull/12";
    await local.services.notifier.send("command", "# PR Monitor — PR #12 failing", undefined, {
      for: "failing-pr",
      repo: "acme/app",
      number: 12,
      url,
    });
    const post = await waitFor("the PR's post", () =>
      local.inbox.messages.find((m) => m.content.startsWith("# PR Monitor — PR #12")),
    );
    await page.goto(local.inbox.pageUrl);
    const article = page.locator(`article[data-message-id="${post.id}"]`);
    await article.waitFor();
    const link = article.locator("a");
    expect(await link.count()).toBe(1);
    expect(await link.textContent()).toBe("Open ↗");
    expect(await link.getAttribute("href")).toBe(url);
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await article.locator("button").allTextContents()).toEqual(["Ignore"]);
  });
});
