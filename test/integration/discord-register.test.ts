import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { reply, type FakeWebhook, startFakeWebhook } from "../support/webhook-server.js";

// `ampa discord register` against a fake Discord API on loopback.
const TOKEN = "bot-token-for-the-test-0123456789abcdef";
const APP_ID = "900000000000000009";
let discord: FakeWebhook;
let env: Record<string, string>;

beforeAll(async () => {
  discord = await startFakeWebhook((_n, req) =>
    req.method === "GET"
      ? { kind: "answer", status: 200, body: JSON.stringify({ id: APP_ID }) }
      : { kind: "answer", status: 200, body: req.body },
  );
  env = { AMPA_DISCORD_API_URL: new URL(discord.url).origin, AMPA_DISCORD_BOT_TOKEN: TOKEN };
});
afterAll(() => discord.close());

describe("ampa discord register", () => {
  it("puts /ampa on the guild with a bulk overwrite, the same twice, the token never printed", async () => {
    for (const _ of [1, 2]) {
      const r = await runCli(["discord", "register", "--guild", "700000000000000001"], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(
        `Registered /ampa (7 subcommands) for application ${APP_ID} on guild 700000000000000001.\n`,
      );
      expect(r.stdout + r.stderr).not.toContain(TOKEN);
    }
    const puts = discord.requests.filter((q) => q.method === "PUT");
    expect(puts).toHaveLength(2);
    expect(puts[0]?.path).toBe(`/applications/${APP_ID}/guilds/700000000000000001/commands`);
    expect(puts[0]?.headers.authorization).toBe(`Bot ${TOKEN}`);
    expect(puts[1]?.body).toBe(puts[0]?.body);
    const [command] = JSON.parse(puts[0]?.body ?? "[]") as {
      name: string;
      options: { name: string }[];
    }[];
    expect(command?.name).toBe("ampa");
    expect(command?.options.map((o) => o.name)).toEqual([
      "status",
      "why",
      "run",
      "pause",
      "resume",
      "logs",
      "deadletters",
    ]);
  });

  it("registers global commands without --guild, and refuses a guild that is no id", async () => {
    const r = await runCli(["discord", "register", "--json"], env);
    expect(JSON.parse(r.stdout)).toEqual({ applicationId: APP_ID, guildId: null, commands: 1 });
    expect(discord.requests.at(-1)?.path).toBe(`/applications/${APP_ID}/commands`);
    const bad = await runCli(["discord", "register", "--guild", "../../x"], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--guild must be a guild id");
  });

  it("says where the token goes when there is none, and what Discord said on a refusal", async () => {
    const none = await runCli(["discord", "register"], {
      AMPA_DISCORD_API_URL: env.AMPA_DISCORD_API_URL ?? "",
    });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("No bot token: set AMPA_DISCORD_BOT_TOKEN");
    const refusing = await startFakeWebhook([
      reply.status(401, '{"message": "401: Unauthorized"}'),
    ]);
    try {
      const r = await runCli(["discord", "register"], {
        ...env,
        AMPA_DISCORD_API_URL: new URL(refusing.url).origin,
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("answered 401");
      expect(r.stderr).not.toContain(TOKEN);
    } finally {
      await refusing.close();
    }
  });
});

describe("ampa discord setup", () => {
  it("makes an application-owned webhook and keeps its URL (with_components) in .env, never printing it", async () => {
    const HOOK_TOKEN = "webhook-token-made-by-the-fake-discord-0123456789";
    const api = await startFakeWebhook(() => ({
      kind: "answer",
      status: 200,
      body: JSON.stringify({ id: "910000000000000001", type: 1, token: HOOK_TOKEN }),
    }));
    const dir = mkdtempSync(join(tmpdir(), "ampa-setup-"));
    const file = join(dir, ".env");
    writeFileSync(file, "AMPA_LOG_LEVEL=info\nAMPA_DISCORD_WEBHOOK=https://old.example/x\n");
    try {
      const origin = new URL(api.url).origin;
      const r = await runCli(["discord", "setup", "--channel", "800000000000000001", "--json"], {
        ...env,
        AMPA_DISCORD_API_URL: origin,
        AMPA_ENV_FILE: file,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({
        webhookId: "910000000000000001",
        channelId: "800000000000000001",
        storedIn: file,
      });
      expect(r.stdout + r.stderr).not.toContain(HOOK_TOKEN);
      expect(api.requests[0]).toMatchObject({
        method: "POST",
        path: "/channels/800000000000000001/webhooks",
        body: '{"name":"AMPA"}',
      });
      expect(api.requests[0]?.headers.authorization).toBe(`Bot ${TOKEN}`);
      expect(readFileSync(file, "utf8")).toBe(
        `AMPA_LOG_LEVEL=info\nAMPA_DISCORD_WEBHOOK=${origin}/webhooks/910000000000000001/${HOOK_TOKEN}?with_components=true\n`,
      );
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const bad = await runCli(["discord", "setup", "--channel", "x"], env);
      expect(bad.stderr).toContain("--channel must be a channel id");
    } finally {
      await api.close();
    }
  });
});
