// POST /discord/interactions end to end in-process: a real HTTP server in front of the
// handler (raw bytes, base64 as API Gateway sends them), a real store (dynalite), a fake
// Discord API on loopback that records the edits of deferred answers, and Ed25519 keys
// made here. Off Lambda the follow-ups run in-process (src/lib/runtime/discord.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { spec } from "../support/commands.js";
import {
  ping,
  serveInteractions,
  signedHeaders,
  slashCommand,
  testApplication,
} from "../support/discord-interactions.js";
import { runCli } from "../support/cli.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { TEST_STORE_KEY } from "../support/store-key.js";
import { waitFor } from "../support/wait.js";
import { type FakeWebhook, startFakeWebhook } from "../support/webhook-server.js";

const app = testApplication();
const ADMIN = { userId: "111" };
const OPERATOR_ROLE = { userId: "333", roles: ["222"] };
const STRANGER = { userId: "999", roles: ["5"] };

let storeServer: EmbeddedStore;
let discord: FakeWebhook;
let http: Awaited<ReturnType<typeof serveInteractions>>;
let endpoint: string;
let store: Store;
let tableName: string;

beforeAll(async () => {
  storeServer = await startTestServer();
  discord = await startFakeWebhook();
  const t = await createTestTable(storeServer.endpoint);
  store = t.store;
  tableName = t.tableName;
  Object.assign(process.env, {
    AMPA_DYNAMODB_ENDPOINT: storeServer.endpoint,
    AMPA_TABLE_NAME: t.tableName,
    AMPA_DISCORD_PUBLIC_KEY: app.publicKeyHex,
    AMPA_DISCORD_ALLOWLIST: `user:${ADMIN.userId} role:222`,
    AMPA_DISCORD_API_URL: new URL(discord.url).origin,
    AMPA_DISCORD_BUTTON_KEY: "button-key-of-the-interactions-test-0123456789",
    AMPA_LOG_LEVEL: "silent",
  });
  const { handler } = await import("../../src/handlers/interactions.js");
  http = await serveInteractions(handler);
  endpoint = http.url;
});
afterAll(async () => {
  await http.close();
  await discord.close();
  await storeServer.close();
});

/** An interaction response, as far as these tests read it. */
interface Answer {
  type: number;
  data: {
    content: string;
    flags?: number;
    allowed_mentions?: unknown;
    choices?: unknown;
    components?: { components: { label: string; custom_id: string }[] }[];
  };
}

async function post(body: unknown, headers?: Record<string, string>) {
  const text = JSON.stringify(body);
  const res = await fetch(endpoint, {
    method: "POST",
    headers: headers ?? signedHeaders(app.privateKey, text, Date.now()),
    body: text,
  });
  const raw = await res.text();
  return { status: res.status, raw, json: () => JSON.parse(raw) as Answer };
}

/** The edit of this interaction's deferred answer, once the fake Discord has it. */
function editOf(interaction: { token: string }) {
  return waitFor("the edit of the deferred answer", () =>
    discord.requests.find((r) => r.path.includes(`/${interaction.token}/`)),
  ).then((r) => ({ ...r, content: JSON.parse(r.body).content as string }));
}

describe("requests that are not Discord's", () => {
  it("refuses unsigned, forged, altered, replayed and future requests with 401, changing nothing", async () => {
    await store.addCommand(spec("guarded", { command: "echo guarded" }), Date.now());
    const body = slashCommand(app, "pause", { id: "guarded" }, ADMIN);
    const text = JSON.stringify(body);
    const other = testApplication();
    const attempts: [string, Record<string, string>, unknown?][] = [
      ["unsigned", { "content-type": "application/json" }],
      ["forged", signedHeaders(other.privateKey, text, Date.now())],
      ["altered", signedHeaders(app.privateKey, text, Date.now()), { ...body, token: "other" }],
      ["replayed", signedHeaders(app.privateKey, text, Date.now() - 6 * 60_000)],
      ["from the future", signedHeaders(app.privateKey, text, Date.now() + 10 * 60_000)],
    ];
    for (const [what, headers, sent] of attempts) {
      const res = await post(sent ?? body, headers);
      expect(res.status, what).toBe(401);
      expect(res.raw).toBe("invalid request signature\n");
    }
    expect((await store.getCommand("guarded"))?.paused).toBe(false);
    expect(await store.listActions(10)).toEqual([]);
    expect(discord.requests.filter((r) => r.path.includes(body.token))).toEqual([]);
  });

  it("answers a signed PING with a PONG", async () => {
    const res = await post(ping(app));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ type: 1 });
  });

  it("refuses a signed body that is not an interaction with 400", async () => {
    expect((await post({ hello: "world" })).status).toBe(400);
  });
});

describe("the slash commands", () => {
  it("/ampa status and /ampa why answer at once, for anyone", async () => {
    await store.addCommand(spec("status-a", { command: "echo a" }), Date.now());
    const status = await post(slashCommand(app, "status", {}, STRANGER));
    expect(status.json()).toMatchObject({ type: 4, data: { allowed_mentions: { parse: [] } } });
    expect(status.json().data.content).toContain("`status-a`");
    const why = (await post(slashCommand(app, "why", { id: "status-a" }, STRANGER))).json();
    expect(why.type).toBe(4);
    expect(why.data.content).toMatch(/^`status-a` due: next|^`status-a` \w+: /);
    expect(why.data.content).toContain("never run");
  });

  it("/ampa pause and resume: deferred, done, the answer edited and the action recorded", async () => {
    await store.addCommand(spec("pausable", { command: "echo p" }), Date.now());
    const pause = slashCommand(app, "pause", { id: "pausable" }, ADMIN);
    expect((await post(pause)).json()).toEqual({ type: 5 });
    expect((await editOf(pause)).content).toBe("Paused `pausable`.");
    expect((await store.getCommand("pausable"))?.paused).toBe(true);
    const resume = slashCommand(app, "resume", { id: "pausable" }, OPERATOR_ROLE);
    expect((await post(resume)).json()).toEqual({ type: 5 });
    const edit = await editOf(resume);
    expect(edit.method).toBe("PATCH");
    expect(edit.path).toBe(`/webhooks/${app.id}/${resume.token}/messages/@original`);
    expect((await store.getCommand("pausable"))?.paused).toBe(false);
    const actions = await store.listActions(10);
    expect(actions.slice(0, 2)).toMatchObject([
      {
        action: "resume",
        commandId: "pausable",
        userId: "333",
        outcome: "done",
        interactionId: resume.id,
      },
      {
        action: "pause",
        commandId: "pausable",
        userId: "111",
        userName: "user111",
        outcome: "done",
      },
    ]);
  });

  it("refuses a user not on the allowlist (ephemeral), records it, changes nothing", async () => {
    await store.addCommand(spec("not-yours", { command: "echo n" }), Date.now());
    for (const sub of ["pause", "run"]) {
      const ask = slashCommand(app, sub, { id: "not-yours" }, STRANGER);
      expect((await post(ask)).json()).toEqual({ type: 5, data: { flags: 64 } });
      expect((await editOf(ask)).content).toMatch(/not on AMPA's allowlist/);
    }
    const c = await store.getCommand("not-yours");
    expect(c?.paused).toBe(false);
    expect(c?.lastStartAt).toBeUndefined();
    const refused = (await store.listActions(20)).filter((a) => a.commandId === "not-yours");
    expect(refused.map((a) => [a.action, a.outcome, a.userId])).toEqual([
      ["run", "refused", "999"],
      ["pause", "refused", "999"],
    ]);
  });

  it("/ampa run: deferred, the run finishes by editing its answer, then /ampa logs shows it", async () => {
    await store.addCommand(spec("runnable", { command: "echo ran-from-discord" }), Date.now());
    const run = slashCommand(app, "run", { id: "runnable" }, ADMIN);
    expect((await post(run)).json()).toEqual({ type: 5 });
    const edit = await editOf(run);
    expect(edit.content).toMatch(/^Ran `runnable`: success \(exit 0\)/);
    expect(edit.content).toContain("ran-from-discord");
    expect((await store.listRuns("runnable", 1))[0]?.outcome).toBe("success");
    const action = (await store.listActions(20)).find((a) => a.interactionId === run.id);
    expect(action).toMatchObject({ action: "run", outcome: "done" });
    const logs = (await post(slashCommand(app, "logs", { id: "runnable" }, STRANGER))).json();
    expect(logs.data.content).toContain("ran-from-discord");
  });

  it("/ampa deadletters lists them; autocomplete offers command ids", async () => {
    const dl = (await post(slashCommand(app, "deadletters", {}, STRANGER))).json();
    // The run above had no webhook to post to: its message is a dead letter.
    const letters = await store.listDeadLetters();
    expect(dl.data.content).toMatch(new RegExp(`^${letters.length} dead letter\\(s\\)`));
    await store.addCommand(spec("auto-one", { command: "echo" }), Date.now());
    const ask = slashCommand(app, "run", { id: "auto" }, STRANGER);
    ask.type = 4;
    (ask.data.options[0]?.options[0] as { focused?: boolean }).focused = true;
    expect((await post(ask)).json()).toEqual({
      type: 8,
      data: { choices: [{ name: "auto-one", value: "auto-one" }] },
    });
  });
});

describe("buttons", () => {
  /** A click on the button `custom_id` of message `messageId`, as Discord sends it. */
  const click = (customId: string, asker: { userId: string; roles?: string[] }) => {
    const base = slashCommand(app, "status", {}, asker);
    return {
      ...base,
      type: 3,
      message: { id: "810000000000000001" },
      data: { component_type: 2, custom_id: customId },
    };
  };

  it("/ampa why offers Run, Pause, Resume; a click acts for the allowlist only, recorded with its message", async () => {
    await store.addCommand(spec("clickable", { command: "echo c" }), Date.now());
    const why = (await post(slashCommand(app, "why", { id: "clickable" }, STRANGER))).json();
    const buttons = why.data.components?.[0]?.components ?? [];
    expect(buttons.map((b) => b.label)).toEqual(["Run now", "Pause", "Resume"]);
    const pauseId = buttons[1]?.custom_id ?? "";
    expect(pauseId).not.toContain("clickable");

    const refused = click(pauseId, STRANGER);
    expect((await post(refused)).json()).toEqual({ type: 5, data: { flags: 64 } });
    expect((await editOf(refused)).content).toMatch(/not on AMPA's allowlist/);
    expect((await store.getCommand("clickable"))?.paused).toBe(false);

    const allowed = click(pauseId, ADMIN);
    expect((await post(allowed)).json()).toEqual({ type: 5 });
    expect((await editOf(allowed)).content).toBe("Paused `clickable`.");
    expect((await store.getCommand("clickable"))?.paused).toBe(true);
    const actions = (await store.listActions(20)).filter((a) => a.commandId === "clickable");
    expect(actions.map((a) => [a.userId, a.outcome, a.messageId])).toEqual([
      [ADMIN.userId, "done", "810000000000000001"],
      [STRANGER.userId, "refused", "810000000000000001"],
    ]);
  });

  it("refuses a forged or altered custom_id, changing nothing", async () => {
    await store.addCommand(spec("unforgeable", { command: "echo u" }), Date.now());
    const why = (await post(slashCommand(app, "why", { id: "unforgeable" }, ADMIN))).json();
    const real = why.data.components?.[0]?.components[1]?.custom_id ?? "";
    const altered = `${real.slice(0, -2)}${real.endsWith("AA") ? "BB" : "AA"}`;
    for (const customId of ["pause:unforgeable", altered]) {
      const res = (await post(click(customId, ADMIN))).json();
      expect(res).toEqual({
        type: 4,
        data: { content: "This button is not valid.", allowed_mentions: { parse: [] }, flags: 64 },
      });
    }
    expect((await store.getCommand("unforgeable"))?.paused).toBe(false);
  });
});

describe("the action log", () => {
  it("is in `ampa status --json` (newest first) and its table", async () => {
    await store.addCommand(spec("logged", { command: "echo l" }), Date.now());
    const pause = slashCommand(app, "pause", { id: "logged" }, ADMIN);
    await post(pause);
    await editOf(pause);
    const env = {
      AMPA_DYNAMODB_ENDPOINT: storeServer.endpoint,
      AMPA_DYNAMODB_KEY: TEST_STORE_KEY,
      AMPA_TABLE_NAME: tableName,
    };
    const json = await runCli(["status", "--json"], env);
    expect(json.code, json.stderr).toBe(0);
    const { actions } = JSON.parse(json.stdout) as { actions: Record<string, unknown>[] };
    expect(actions[0]).toMatchObject({
      action: "pause",
      commandId: "logged",
      userId: ADMIN.userId,
      userName: "user111",
      outcome: "done",
      interactionId: pause.id,
      channelId: "800000000000000001",
      messageId: null,
    });
    const table = await runCli(["status"], env);
    expect(table.stdout).toContain("Latest actions from Discord:");
    expect(table.stdout).toMatch(/user111 \(111\) pause logged: done/);
  });
});
