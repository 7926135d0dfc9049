// Buttons on AMPA's posts, the whole local loop in-process: a run's post goes out in
// application mode (the bot's `POST /channels/<id>/messages`) to the local inbox, which
// keeps it with its buttons; a click on the inbox is signed with a local Ed25519 key made
// here and sent over real HTTP to the interactions handler, which acts on a real store
// (dynalite) and edits its answer back into the inbox.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heldBack } from "../../src/lib/app/worklog/attempts.js";
import { sealButton } from "../../src/lib/core/discord/buttons.js";
import {
  buttonsOf,
  LOCAL_USER_ID,
  type PostedButton,
  sendClick,
} from "../../src/lib/local/discord-local.js";
import type { InboxMessage } from "../../src/lib/local/inbox.js";
import { createApp } from "../../src/lib/runtime/app.js";
import { services } from "../../src/lib/runtime/services.js";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { createDoubles, type Doubles } from "../support/doubles.js";
import { type LocalDiscord, startLocalDiscord } from "../support/local-discord.js";
import { TEST_STORE_KEY } from "../support/store-key.js";
import { waitFor } from "../support/wait.js";

const STRANGER = "999000000000000999";
/** A button's custom_id ("" for a link). */
const customId = (b: PostedButton | undefined) => (b && "custom_id" in b ? b.custom_id : "");

let local: LocalDiscord;
beforeAll(async () => {
  local = await startLocalDiscord();
}, 60_000);
afterAll(() => local.close());

/** The bot's post about `title`, once the inbox has it. */
const postAbout = (title: string) =>
  waitFor(`the post about ${title}`, () =>
    local.inbox.messages.find((m) => m.via === "bot" && m.content.startsWith(`# ${title}`)),
  );
/** The answer edited in after `since` (a deferred answer's follow-up). */
const answerAfter = (since: number, pattern: RegExp) =>
  waitFor(`an answer matching ${pattern}`, () =>
    local.inbox.messages.slice(since).find((m) => m.via === "answer" && pattern.test(m.content)),
  );

/** A click through the inbox (what its page does): the endpoint's status and answer. */
async function click(message: InboxMessage, button: string, userId?: string) {
  const res = await fetch(new URL("/click", local.inbox.pageUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messageId: message.id, button, ...(userId ? { userId } : {}) }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    status: number;
    answer: { type: number; data?: { content?: string; flags?: number } };
  };
}

const runAndPost = (id: string, command: string) => local.runAndPost(id, command);

describe("a run's post, in application mode", () => {
  it("carries Run again and Pause; a click on Pause, signed and sent, pauses the command", async () => {
    const { run, post } = await runAndPost("nightly", "echo all good");
    const buttons = buttonsOf(post.components);
    expect(buttons.map((b) => b.label)).toEqual(["Run again", "Pause"]);
    for (const b of buttons) {
      expect(customId(b).length).toBeLessThanOrEqual(100);
      expect(customId(b)).not.toContain("nightly");
    }
    const since = local.inbox.messages.length;
    expect(await click(post, "Pause")).toEqual({ status: 200, answer: { type: 5 } });
    expect((await answerAfter(since, /Paused/)).content).toBe("Paused `nightly`.");
    expect((await local.store.getCommand("nightly"))?.paused).toBe(true);
    const action = (await local.store.listActions(20)).find((a) => a.commandId === "nightly");
    expect(action).toMatchObject({
      action: "pause",
      outcome: "done",
      messageId: post.id,
      runId: run.runId,
      userName: "local",
    });
  });

  it("a failure carries Run again and Show output; Show output answers the clicker only", async () => {
    const { post } = await runAndPost("flaky", "echo boom-line; exit 3");
    expect(buttonsOf(post.components).map((b) => b.label)).toEqual(["Run again", "Show output"]);
    const shown = await click(post, "Show output");
    expect(shown.status).toBe(200);
    expect(shown.answer).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(shown.answer.data?.content).toContain("boom-line");
    expect(shown.answer.data?.content).toMatch(/^`flaky` failure \(exit 3\)/);
  });

  it("refuses a click from a user not on the allowlist, records it and changes nothing", async () => {
    const { post } = await runAndPost("guarded", "echo guarded");
    const since = local.inbox.messages.length;
    expect(await click(post, "Pause", STRANGER)).toEqual({
      status: 200,
      answer: { type: 5, data: { flags: 64 } },
    });
    expect((await answerAfter(since, /allowlist/)).content).toMatch(/not on AMPA's allowlist/);
    expect((await local.store.getCommand("guarded"))?.paused).toBe(false);
    const actions = (await local.store.listActions(20)).filter((a) => a.commandId === "guarded");
    expect(actions.map((a) => [a.userId, a.outcome, a.messageId])).toEqual([
      [STRANGER, "refused", post.id],
    ]);
  });

  it("refuses a forged or altered custom_id, changing nothing", async () => {
    const { post } = await runAndPost("sealed", "echo sealed");
    const real = customId(buttonsOf(post.components)[1]);
    const altered = `${real.slice(0, -2)}${real.endsWith("AA") ? "BB" : "AA"}`;
    const otherKey = sealButton("another-key-that-is-not-the-stack-s-0123", "pause", "sealed");
    for (const customId of ["pause:sealed", altered, otherKey ?? ""]) {
      const answer = await sendClick({
        interactionsUrl: local.endpoint.url,
        privateKey: local.identity.privateKey,
        messageId: post.id,
        customId,
      });
      expect(JSON.parse(answer.body)).toMatchObject({
        type: 4,
        data: { content: "This button is not valid.", flags: 64 },
      });
    }
    expect((await local.store.getCommand("sealed"))?.paused).toBe(false);
    expect((await local.store.listActions(50)).filter((a) => a.commandId === "sealed")).toEqual([]);
  });

  it("`ampa discord click` clicks from a script: Run again runs the command", async () => {
    const { post } = await runAndPost("again", "echo again");
    const since = local.inbox.messages.length;
    const cli = await runCli(
      ["discord", "click", post.id, "1", "--inbox", local.inbox.pageUrl, "--json"],
      { AMPA_DYNAMODB_KEY: TEST_STORE_KEY },
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({
      messageId: post.id,
      button: "1",
      status: 200,
      answer: { type: 5 },
    });
    expect((await answerAfter(since, /^Ran `again`/)).content).toMatch(/success \(exit 0\)/);
    expect(await local.store.listRuns("again", 5)).toHaveLength(2);
  });
});

describe("an escalated item's post", () => {
  const ITEM = "WL-ESC1";
  const RUN = "0b7e5a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

  it("carries Approve and Keep held; Keep held changes nothing, Approve lets it be dispatched again", async () => {
    const now = Date.now();
    await local.store.claimDispatch(
      {
        workItemId: ITEM,
        action: "implement",
        stage: "plan_complete",
        commandId: "delegate",
        runId: RUN,
        assignee: "ampa",
        dispatchedAt: now - 60_000,
      },
      0,
    );
    await local.store.judgeDispatch(ITEM, RUN, {
      outcome: "unmoved",
      judgedAt: now,
      release: { reason: "escalated" },
      escalation: { at: now, updatedAt: "2026-01-01T00:00:00Z" },
    });
    await local.services.notifier.send(
      "delegation",
      "# Delegation Escalated\n\nWL-ESC1",
      undefined,
      {
        for: "escalation",
        workItemId: ITEM,
        runId: RUN,
      },
    );
    const post = await postAbout("Delegation Escalated");
    expect(buttonsOf(post.components).map((b) => b.label)).toEqual(["Approve", "Keep held"]);
    const held = async () => heldBack(await local.store.listDispatches(), Date.now());

    let since = local.inbox.messages.length;
    await click(post, "Keep held");
    expect((await answerAfter(since, /held/)).content).toBe(
      `Kept \`${ITEM}\` held: it waits for a person.`,
    );
    expect((await held()).map((h) => h.workItemId)).toEqual([ITEM]);

    since = local.inbox.messages.length;
    await click(post, "Approve");
    expect((await answerAfter(since, /Approved|not escalated/)).content).toMatch(/^Approved/);
    expect(await held()).toEqual([]);
    const actions = (await local.store.listActions(50)).filter((a) => a.workItemId === ITEM);
    expect(actions.map((a) => [a.action, a.outcome, a.runId])).toEqual([
      ["approve", "done", RUN],
      ["hold", "done", RUN],
    ]);

    since = local.inbox.messages.length;
    await click(post, "Approve");
    expect((await answerAfter(since, /not escalated/)).content).toMatch(/approved already/);
  });
});

describe("a failing PR's post", () => {
  const failingPr = (sha: string) => ({
    open: [
      {
        number: 12,
        title: "Fix login",
        url: "https://github.com/acme/app/pull/12",
        headRefName: "fix-login",
        headRefOid: sha.repeat(40),
        isDraft: false,
      },
    ],
    checks: { "12": [{ name: "unit", bucket: "fail", state: "FAILURE", link: "" }] },
  });
  /** The monitor run once by the CLI (application mode, to the inbox), gh at `sha`. */
  const runMonitor = (d: Doubles, sha: string) => {
    writeFileSync(join(d.dir, "gh.json"), JSON.stringify(failingPr(sha)));
    return runCli(["run-once", "prs"], { AMPA_DYNAMODB_KEY: TEST_STORE_KEY, ...d.env });
  };
  const monitorPosts = () =>
    local.inbox.messages.filter((m) => m.content.startsWith("# PR Monitor — PR #12 failing"));
  const created = (d: Doubles) =>
    d.calls().filter((c) => c.program === "wl" && c.argv[0] === "create");

  it("carries Open and Ignore; Ignore, from the allowlist only, stops the PR's reports", async () => {
    const d = createDoubles({});
    await addAsCli(local.store, ["prs", "", "60", "0"], {
      type: "pr-monitor",
      metadata: JSON.stringify({ repo: "acme/app" }),
    });
    const first = await runMonitor(d, "a");
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const post = await waitFor("the PR monitor's post", () => monitorPosts()[0]);
    expect(buttonsOf(post.components)).toEqual([
      { label: "Open", url: "https://github.com/acme/app/pull/12" },
      { label: "Ignore", custom_id: expect.stringMatching(/^a2\./) },
    ]);
    expect(customId(buttonsOf(post.components)[1])).not.toContain("acme");

    // Not on the allowlist: refused, recorded, and the PR is reported again at a new commit.
    let since = local.inbox.messages.length;
    await click(post, "Ignore", STRANGER);
    expect((await answerAfter(since, /allowlist/)).content).toMatch(/not on AMPA's allowlist/);
    expect(await local.store.getPullRequestIgnore({ repo: "acme/app", number: 12 })).toBe(
      undefined,
    );
    const second = await runMonitor(d, "b");
    expect(second.stdout).toContain("1 failing (1 newly reported)");
    expect(created(d)).toHaveLength(2);
    const latest = await waitFor("the second post", () => monitorPosts()[1]);

    since = local.inbox.messages.length;
    await click(latest, "Ignore");
    expect((await answerAfter(since, /Ignoring/)).content).toBe(
      "Ignoring PR #12 of acme/app: its failures are not reported again (a work item created for it already stays as it is).",
    );
    const ignore = await local.store.getPullRequestIgnore({ repo: "acme/app", number: 12 });
    expect(ignore).toMatchObject({ repo: "acme/app", number: 12, userId: LOCAL_USER_ID });
    // Again, from the first post: ignored already, the first who and when kept.
    since = local.inbox.messages.length;
    await click(post, "Ignore");
    expect((await answerAfter(since, /ignored already/)).content).toBe(
      "PR #12 of acme/app is ignored already: its failures are not reported again.",
    );
    expect(await local.store.getPullRequestIgnore({ repo: "acme/app", number: 12 })).toEqual(
      ignore,
    );
    const actions = (await local.store.listActions(50)).filter(
      (a) => a.pullRequest === "acme/app#12",
    );
    expect(actions.map((a) => [a.action, a.userId, a.outcome, a.commandId])).toEqual([
      ["ignore", LOCAL_USER_ID, "done", undefined],
      ["ignore", LOCAL_USER_ID, "done", undefined],
      ["ignore", STRANGER, "refused", undefined],
    ]);
    const status = await runCli(["status", "--json"], { AMPA_DYNAMODB_KEY: TEST_STORE_KEY });
    const shown = (JSON.parse(status.stdout) as { actions: Record<string, unknown>[] }).actions;
    expect(shown.find((a) => a.action === "ignore")).toMatchObject({
      pullRequest: "acme/app#12",
      commandId: null,
      outcome: "done",
    });

    // The next run, at yet another commit: no work item, no post, a line saying why.
    const third = await runMonitor(d, "c");
    expect(third.code).toBe(0);
    expect(third.stdout).toContain(
      `PR #12 at ccccccc: failing, ignored (from Discord by ${LOCAL_USER_ID}, ${new Date(ignore?.ignoredAt ?? 0).toISOString()}).`,
    );
    expect(third.stdout).toContain("1 failing (0 newly reported)");
    expect(created(d)).toHaveLength(2);
    expect(monitorPosts()).toHaveLength(2);
  }, 120_000);

  it("`ampa discord click` on Open says it is a link and sends nothing", async () => {
    await local.services.notifier.send("command", "# PR Monitor — PR #77 failing", undefined, {
      for: "failing-pr",
      repo: "acme/app",
      number: 77,
      url: "https://github.com/acme/app/pull/77",
    });
    const post = await postAbout("PR Monitor — PR #77 failing");
    const before = await local.store.listActions(100);
    const cli = await runCli(
      ["discord", "click", post.id, "Open", "--inbox", local.inbox.pageUrl],
      { AMPA_DYNAMODB_KEY: TEST_STORE_KEY },
    );
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe(
      "Open is a link, not a click: it opens https://github.com/acme/app/pull/77\n",
    );
    expect(await local.store.listActions(100)).toEqual(before);
  }, 60_000);
});

describe("an application-owned webhook (ampa discord setup)", () => {
  it("carries the buttons when its URL asks for components", async () => {
    const owned = createApp({
      env: {
        ...process.env,
        AMPA_DISCORD_CHANNEL_ID: undefined,
        AMPA_DISCORD_WEBHOOK: `${local.inbox.url}?with_components=true`,
      },
    });
    const sent = await services(owned).notifier.send("command", "# Owned post", undefined, {
      for: "failure",
      commandId: "owned",
      runId: "0b7e5a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5d",
    });
    expect(sent.delivered).toBe(true);
    const post = local.inbox.messages.find((m) => m.content === "# Owned post");
    expect(post?.via).toBe("webhook");
    expect(buttonsOf(post?.components).map((b) => b.label)).toEqual(["Run again", "Show output"]);
  });
});

describe("a plain webhook", () => {
  it("gets the post without buttons", async () => {
    const plain = createApp({
      env: {
        ...process.env,
        AMPA_DISCORD_CHANNEL_ID: undefined,
        AMPA_DISCORD_WEBHOOK: local.inbox.url,
      },
    });
    const sent = await services(plain).notifier.send("command", "# Plain post", undefined, {
      for: "result",
      commandId: "plain",
      runId: "0b7e5a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5c",
    });
    expect(sent.delivered).toBe(true);
    const post = local.inbox.messages.find((m) => m.content === "# Plain post");
    expect(post).toMatchObject({ via: "webhook" });
    expect(post?.components).toBeUndefined();
  });
});
