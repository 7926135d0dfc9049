import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import {
  HOUR,
  openEvents,
  type RunningDashboard,
  seedDashboardStore,
  recordFinishedRun,
  seededRun,
  startDashboardCli,
  statusWithHost,
} from "../support/dashboard.js";
import { runCli } from "../support/cli.js";
import { dispatchRecord, spec } from "../support/commands.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { waitFor } from "../support/wait.js";
import { startFakeWebhook } from "../support/webhook-server.js";

/** `ampa dashboard` over HTTP: the real CLI in a child process on a real store. */

let server: EmbeddedStore;
let t: TestTable;
let dashboard: RunningDashboard;
let webhook: Awaited<ReturnType<typeof startFakeWebhook>>;

beforeAll(async () => {
  server = await startTestServer();
  t = await createTestTable(server.endpoint);
  await seedDashboardStore(t.store, Date.now());
  webhook = await startFakeWebhook();
  dashboard = await startDashboardCli({
    AMPA_DYNAMODB_ENDPOINT: server.endpoint,
    AMPA_TABLE_NAME: t.tableName,
    AMPA_DISCORD_WEBHOOK: webhook.url,
  });
});
afterAll(async () => {
  await dashboard?.stop();
  await webhook?.close();
  await server?.close();
});

const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${dashboard.origin}/action`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });

describe("ampa dashboard", () => {
  it("refuses every request without the token", async () => {
    for (const path of ["/", "/?token=wrong", "/api/snapshot", "/favicon.ico"])
      expect((await fetch(`${dashboard.origin}${path}`)).status, path).toBe(403);
    expect((await post({ action: "pause", id: "alpha" })).status).toBe(403);
    expect((await post({ token: "wrong", action: "pause", id: "alpha" })).status).toBe(403);
    expect((await t.store.getCommand("alpha"))?.paused).toBe(false);
  });

  it("refuses a request for another host name (DNS rebinding) and a cross-site post", async () => {
    const rebound = await statusWithHost(
      dashboard.url,
      `attacker.example:${new URL(dashboard.url).port}`,
    );
    expect(rebound).toBe(403);
    const crossSite = await post(
      { token: dashboard.token, action: "pause", id: "alpha" },
      { origin: "https://attacker.example" },
    );
    expect(crossSite.status).toBe(403);
    expect((await t.store.getCommand("alpha"))?.paused).toBe(false);
  });

  it("never acts on a GET", async () => {
    const res = await fetch(`${dashboard.url}&action=pause&id=alpha`.replace("/?", "/action?"));
    expect(res.status).toBe(404);
    expect((await t.store.getCommand("alpha"))?.paused).toBe(false);
  });

  it("lists the seeded commands with the hostile text escaped and the page bounded", async () => {
    const res = await fetch(dashboard.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'nonce-");
    const page = await res.text();
    for (const id of ["alpha", "hostile", "sleepy"]) expect(page).toContain(`data-command="${id}"`);
    expect(page).not.toContain("<script>window.__pwned");
    expect(page).not.toContain("<img src=x");
    expect(page).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    // The 300 kB line is cut in the hover: the page stays small.
    expect(page.length).toBeLessThan(100_000);
    expect(page.match(/<rect class="run /g)?.length).toBe(4);
  });

  it("sums what the runs on record used, the agent's name escaped", async () => {
    const page = await (await fetch(dashboard.url)).text();
    const usage = page.slice(page.indexOf('<div id="usage">'), page.indexOf("<h2>Work items"));
    expect(usage).toContain("sums over the runs on record (the newest 50 of each command)");
    expect(usage).toContain(
      '<tr><td>alpha</td><td>&lt;b&gt;agent&lt;/b&gt;</td><td class="num">1 of 3</td>',
    );
    expect(usage).toContain('<td class="num">$0.1250</td>');
    expect(usage).toContain("0.01 vCPU-h, 0.02 GB-h");
    expect(page).not.toContain("<b>agent</b>");
  });

  it("shows a command's page with its runs' whole outputs, escaped", async () => {
    const url = (id: string, token = dashboard.token) =>
      `${dashboard.origin}/command?${new URLSearchParams({ id, token })}`;
    const res = await fetch(url("hostile"));
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(page).toContain("second line");
    expect(page).not.toContain("<script>window.__pwned");
    expect(page).not.toContain("<img src=x");
    expect((await fetch(url("nosuch"))).status).toBe(404);
    expect((await fetch(url("hostile", "wrong"))).status).toBe(403);
  });

  it("serves the sections as JSON for the page's refresh", async () => {
    // An item delegation escalated, on record in the same store: the held-back section.
    const now = Date.now();
    const record = dispatchRecord({ workItemId: "SA-ESC", runId: "r-esc", dispatchedAt: now });
    expect(await t.store.claimDispatch(record, now - HOUR)).toBe(true);
    const escalation = { at: now, updatedAt: "2026-01-01T00:00:00.000Z" };
    const judged = { outcome: "unmoved", judgedAt: now, escalation } as const;
    expect(await t.store.judgeDispatch("SA-ESC", "r-esc", judged)).toBe(true);
    // An action asked for from Discord: the actions section.
    const action = { at: now, interactionId: "1", userId: "42", userName: "ops" };
    await t.store.claimAction({
      ...action,
      action: "pause",
      commandId: "alpha",
      outcome: "refused",
    });
    const res = await fetch(`${dashboard.origin}/api/snapshot?token=${dashboard.token}`);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { now: number; sections: Record<string, string> };
    expect(body.sections.actions).toContain(
      '<td title="42">ops</td><td>pause</td><td>alpha</td><td>refused</td>',
    );
    expect(Object.keys(body.sections).sort()).toEqual([
      "actions",
      "commands",
      "deadletters",
      "heldback",
      "summary",
      "timeline",
      "usage",
    ]);
    expect(body.sections.commands).toContain('data-command="alpha"');
    expect(body.sections.usage).toContain("<td>alpha</td>");
    expect(body.sections.heldback).toMatch(/<td>SA-ESC<\/td><td>intake<\/td>.*escalated/);
  });

  it("sends back only the sections whose version the page does not show", async () => {
    type Refresh = { sections: Record<string, string>; versions: Record<string, string> };
    const refresh = async (known: string) =>
      (await (
        await fetch(
          `${dashboard.origin}/api/snapshot?${new URLSearchParams({ token: dashboard.token, known })}`,
        )
      ).json()) as Refresh;
    const first = await refresh("");
    const shown = `deadletters:${first.versions.deadletters}`;
    const second = await refresh(shown);
    expect(Object.keys(second.sections)).not.toContain("deadletters");
    expect(Object.keys(second.sections)).toContain("commands");
    expect(second.versions.deadletters).toBe(first.versions.deadletters);
    expect(Object.keys((await refresh("deadletters:stale")).sections)).toContain("deadletters");
  });

  it("tells an open event stream within a second that a run was recorded", async () => {
    const stream = await openEvents(`${dashboard.origin}/events?token=${dashboard.token}`);
    try {
      expect(stream.status).toBe(200);
      await stream.next("ready", 0);
      const run = seededRun("sleepy", Date.now(), 5_000, { outcome: "failure", exitCode: 4 });
      await recordFinishedRun(t.store, run);
      const recordedAt = Date.now();
      const change = await stream.next("change", 0);
      expect(change.at - recordedAt).toBeLessThan(1000);
      // The page it tells then fetches the new bar.
      const refresh = (await (
        await fetch(`${dashboard.origin}/api/snapshot?token=${dashboard.token}`)
      ).json()) as { sections: Record<string, string> };
      expect(refresh.sections.timeline).toContain(`data-run="${run.runId}"`);
    } finally {
      stream.close();
    }
  });

  it("pauses and resumes with a POST carrying the token", async () => {
    const paused = await post({ token: dashboard.token, action: "pause", id: "alpha" });
    expect(paused.status).toBe(303);
    expect(paused.headers.get("location")).toContain("notice=Paused+alpha");
    expect((await t.store.getCommand("alpha"))?.paused).toBe(true);
    await post({ token: dashboard.token, action: "resume", id: "alpha" });
    expect((await t.store.getCommand("alpha"))?.paused).toBe(false);
  });

  it("says so when an action fails, and changes nothing", async () => {
    const res = await post({ token: dashboard.token, action: "pause", id: "nosuch" });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location") ?? "", dashboard.origin);
    expect(location.searchParams.get("error")).toBe("1");
    expect(location.searchParams.get("notice")).toMatch(/nosuch/);
    expect(await t.store.getCommand("nosuch")).toBeUndefined();
  });

  it("runs a command once and the page shows its run", async () => {
    await t.store.addCommand(
      spec("once", { command: "echo ran-from-dashboard", frequencyMinutes: 60 }),
      Date.now(),
    );
    const res = await post({ token: dashboard.token, action: "run-once", id: "once" });
    expect(res.status).toBe(303);
    const runs = await waitFor(
      "the run-once record",
      async () => {
        const r = await t.store.listRuns("once");
        return r.length > 0 && r;
      },
      20_000,
    );
    expect(runs[0]).toMatchObject({ trigger: "run-once", outcome: "success" });
    const page = await waitFor("the run on the page", async () => {
      const text = await (await fetch(dashboard.url)).text();
      return text.includes("ran-from-dashboard") && text;
    });
    expect(page).toContain('data-command="once"');
  });

  it("redrives the dead letters", async () => {
    await t.store.putDeadLetter({
      kind: "command",
      content: "# Kept\n\nundelivered",
      reason: "test",
      attempts: 1,
      createdAt: Date.now(),
    });
    const before = webhook.requests.length;
    const res = await post({ token: dashboard.token, action: "redrive" });
    expect(
      new URL(res.headers.get("location") ?? "", dashboard.origin).searchParams.get("notice"),
    ).toMatch(/1 delivered/);
    expect(await t.store.listDeadLetters()).toEqual([]);
    expect(
      webhook.requests
        .slice(before)
        .map((r) => r.body)
        .join(),
    ).toContain("undelivered");
  });
});

describe("ampa dashboard stopped with a page listening", () => {
  it("exits at once on SIGINT, the event stream open", async () => {
    const running = await startDashboardCli({
      AMPA_DYNAMODB_ENDPOINT: server.endpoint,
      AMPA_TABLE_NAME: t.tableName,
    });
    const stream = await openEvents(`${running.origin}/events?token=${running.token}`);
    await stream.next("ready", 0);
    const exited = new Promise<number | null>((r) => running.child.once("exit", (code) => r(code)));
    const t0 = Date.now();
    running.child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    stream.close();
  });
});

describe("ampa dashboard on the local store", () => {
  it("serves the store it opened to the other verbs while it runs", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ampa-dashboard-")), "data");
    const local = { AMPA_SCHEDULER_STORE: dir, AMPA_DYNAMODB_ENDPOINT: "" };
    const running = await startDashboardCli(local);
    try {
      const added = await runCli(["add", "beside", "echo hi", "5", "0"], local);
      expect(added).toMatchObject({ code: 0, stdout: "Added beside\n" });
      const page = await waitFor("the added command on the page", async () => {
        const text = await (await fetch(running.url)).text();
        return text.includes('data-command="beside"') && text;
      });
      expect(page).toContain("<strong>beside</strong>");
    } finally {
      expect(await running.stop()).toBe(0);
    }
    // Stopped, it gave the store back: a verb opens it itself.
    expect(JSON.parse((await runCli(["list", "--json"], local)).stdout)).toMatchObject([
      { id: "beside" },
    ]);
  });
});
