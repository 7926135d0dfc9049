import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../scripts/chromium.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboxMessage } from "../../src/lib/local/inbox.js";
import { runCli } from "../support/cli.js";
import { spec } from "../support/commands.js";
import { type RunningDashboard, startDashboardCli } from "../support/dashboard.js";
import { ROOT, stackEnv, stackStore, type Started, startStack } from "../support/local-stack.js";
import { waitFor } from "../support/wait.js";

/**
 * One `npm start` with its defaults (no Discord settings), two things a newcomer sees on it:
 *  - `ampa dashboard` in Chromium: each run the stack's tick starts shows on the timeline as
 *    it starts, and as a finished bar soon after it is recorded (latencies from the run's
 *    recorded start and end times);
 *  - the local Discord: its own application posts to the inbox with buttons, and a click
 *    (`ampa discord click`) goes signed through serverless-offline to the interactions
 *    function, which pauses the command.
 * One stack for both: a start costs 10-15 CPU-s, and neither test changes what the other reads.
 */

const STACK_WAIT_MS = 90_000;
/** Runs measured: one command added at a time, each started by the stack's tick. */
const SAMPLES = 5;
/** A generous bound for a loaded 2-core machine; the medians are what docs/cli.md reports. */
const MAX_LATENCY_MS = 5_000;
/** How long a run waits for its running bar before it ends anyway (3 × MAX_LATENCY_MS). */
const RUNNING_BAR_MS = 15_000;

/** Installed in the page: when each run's bar, running and finished, first appeared. */
const OBSERVER = `(() => {
  const w = window;
  w.__running = {};
  w.__ended = {};
  const note = () => {
    for (const r of document.querySelectorAll("#timeline rect.run[data-run]")) {
      const seen = r.classList.contains("running") ? w.__running : w.__ended;
      const id = r.getAttribute("data-run");
      if (!(id in seen)) seen[id] = Date.now();
    }
  };
  note();
  new MutationObserver(note).observe(document.getElementById("timeline"), {
    childList: true,
    subtree: true,
  });
})()`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe("npm start with its defaults", () => {
  const dir = mkdtempSync(join(tmpdir(), "ampa-dashboard-live-"));
  const storeDir = join(dir, "data");
  const esbuildDir = `.ampa/esbuild-dashboard-${process.pid}`;
  let env: Record<string, string>;
  let stack: Started;
  let dashboard: RunningDashboard | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    env = {
      ...(await stackEnv(storeDir, esbuildDir)),
      // A pass every second inside the tick: an added command starts within a second or two.
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
      AMPA_SCHEDULER_POLL_INTERVAL_SECONDS: "1",
    };
    stack = startStack(env);
    await waitFor(
      "the stack's first tick",
      () => stack.output().includes('"msg":"tick: '),
      STACK_WAIT_MS,
      () => stack.output(),
    );
    // The CLI finds the running stack through its lock, as an operator's would.
    dashboard = await startDashboardCli({
      AMPA_SCHEDULER_STORE: storeDir,
      AMPA_DYNAMODB_ENDPOINT: "",
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-live="open"]', { timeout: 20_000 });
    await page.evaluate(OBSERVER);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    if (stack.child.exitCode === null) {
      stack.child.kill("SIGINT");
      const stopped = await Promise.race([
        stack.exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 30_000)),
      ]);
      if (!stopped) {
        stack.child.kill("SIGKILL");
        await stack.exited;
      }
    }
    rmSync(join(ROOT, esbuildDir), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const inbox = () => `http://127.0.0.1:${env.AMPA_INBOX_PORT}`;
  async function messages(): Promise<InboxMessage[]> {
    const res = await fetch(`${inbox()}/messages`).catch(() => undefined);
    return res?.ok ? ((await res.json()) as { messages: InboxMessage[] }).messages : [];
  }

  it("ampa dashboard shows each run on the timeline as it starts and soon after its end is recorded", async () => {
    const store = stackStore(storeDir);
    const started: number[] = [];
    const ended: number[] = [];
    try {
      for (let i = 0; i < SAMPLES; i++) {
        const id = `live-${i}`;
        // It runs until its running bar is drawn (or RUNNING_BAR_MS has passed: then the
        // assertion on the running bar below fails), not for a fixed time.
        const go = join(dir, `${id}.go`);
        await store.addCommand(
          spec(id, {
            command: `while [ ! -e ${go} ]; do sleep 0.1; done; echo live`,
            frequencyMinutes: 60,
          }),
          Date.now(),
        );
        const runId = await waitFor(
          `the run of ${id} to start`,
          async () => (await store.getCommand(id))?.leaseRunId,
          STACK_WAIT_MS,
          () => stack.output(),
        );
        await waitFor(
          `the running bar of ${id}`,
          () => page.evaluate<boolean>(`${JSON.stringify(runId)} in window.__running`),
          RUNNING_BAR_MS,
        ).catch(() => undefined);
        writeFileSync(go, "");
        const run = await waitFor(
          `the run of ${id} to be recorded`,
          async () => (await store.listRuns(id))[0],
          STACK_WAIT_MS,
          () => stack.output(),
        );
        expect(run).toMatchObject({ outcome: "success", trigger: "schedule" });
        const seen = (table: string) =>
          page.evaluate<number | undefined>(`window.${table}[${JSON.stringify(run.runId)}]`);
        const endedAt = await waitFor(`the finished bar of ${id}`, () => seen("__ended"), 15_000);
        const startedAt = await seen("__running");
        expect(startedAt, `the running bar of ${id}`).toBeDefined();
        started.push((startedAt ?? NaN) - run.startedAt);
        ended.push(endedAt - run.endedAt);
      }
    } finally {
      store.close();
    }
    console.log(
      `dashboard live latency over ${SAMPLES} runs: start→running bar ${started.join(", ")} ms (median ${median(started)}), ` +
        `recorded end→finished bar ${ended.join(", ")} ms (median ${median(ended)})`,
    );
    for (const ms of [...started, ...ended]) expect(ms).toBeLessThan(MAX_LATENCY_MS);
  }, 300_000);

  it("the local Discord posts with buttons to the inbox, and a signed click pauses the command", async () => {
    const post = await waitFor(
      "the Date post with its buttons",
      async () => (await messages()).find((m) => m.via === "bot" && m.content.startsWith("# Date")),
      STACK_WAIT_MS,
      stack.output,
    );
    const labels = (post.components as { components: { label: string }[] }[]).flatMap((r) =>
      r.components.map((b) => b.label),
    );
    expect(labels).toEqual(["Run again", "Pause"]);
    expect(stack.output()).toContain(`the inbox's page shows the posts with their buttons`);
    // The local application's identity, beside the store, the owner's alone.
    expect(statSync(join(dir, "discord-local.json")).mode & 0o777).toBe(0o600);

    const click = await runCli(["discord", "click", post.id, "Pause", "--inbox", inbox()], {});
    expect(click.code, click.stderr).toBe(0);
    expect(click.stdout).toBe("Deferred: the answer follows in the inbox.\n");
    const store = stackStore(storeDir);
    try {
      await waitFor(
        "date paused",
        async () => (await store.getCommand("date"))?.paused,
        STACK_WAIT_MS,
        stack.output,
      );
      const answer = await waitFor("the answer's edit in the inbox", async () =>
        (await messages()).find((m) => m.via === "answer" && m.content === "Paused `date`."),
      );
      expect(answer.content).toBe("Paused `date`.");
      const [action] = await store.listActions(1);
      expect(action).toMatchObject({
        action: "pause",
        commandId: "date",
        userId: "100000000000000001",
        outcome: "done",
        messageId: post.id,
      });
    } finally {
      store.close();
    }
  });
});
