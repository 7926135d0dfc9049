import { testLogger } from "../support/logger.js";
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Inbox, MAX_INBOX_BODY_BYTES, startInbox } from "../../src/lib/local/inbox.js";

import { deliverToWebhook, discordPayload } from "../../src/lib/adapters/discord.js";

let inbox: Inbox | undefined;
let printed: string[] = [];

async function open(): Promise<Inbox> {
  printed = [];
  inbox = await startInbox({ print: (m) => void printed.push(m.content) });
  return inbox;
}

afterEach(async () => {
  await inbox?.close();
  inbox = undefined;
});

async function post(url: string, body: string | Readable, method = "POST") {
  const init: RequestInit & { duplex?: "half" } = {
    method,
    headers: { "content-type": "application/json" },
  };
  if (method !== "GET") {
    init.body = typeof body === "string" ? body : (Readable.toWeb(body) as ReadableStream);
    init.duplex = "half";
  }
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text() };
}

describe("local inbox (real HTTP)", () => {
  it("answers 204 to a webhook message, keeps it and prints it", async () => {
    const { url, messages } = await open();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/0\/local-inbox$/);
    const before = Date.now();
    const res = await post(url, JSON.stringify({ content: "**hello** @everyone" }));
    expect(res).toEqual({ status: 204, body: "" });
    expect(printed).toEqual(["**hello** @everyone"]);
    expect(messages).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        via: "webhook",
        receivedAt: expect.any(Number),
        content: "**hello** @everyone",
      },
    ]);
    expect(messages[0]?.receivedAt).toBeGreaterThanOrEqual(before);
  });

  it("takes a delivery from the Discord client", async () => {
    const { url } = await open();
    const result = await deliverToWebhook(
      url,
      discordPayload("tick ok"),
      { backoffBaseMs: 10, maxRetries: 0, requestTimeoutMs: 2000 },
      { deadline: Date.now() + 5000, clock: Date.now, sleep: async () => {}, log: testLogger },
    );
    expect(result).toEqual({ delivered: true, attempts: 1, status: 204 });
    expect(printed).toEqual(["tick ok"]);
  });

  it.each([
    ["invalid JSON", "{content:", 50109],
    ["no content", JSON.stringify({ embeds: [] }), 50006],
    ["content that is not a string", JSON.stringify({ content: 42 }), 50006],
    ["empty content", JSON.stringify({ content: "" }), 50006],
    ["content over 2000 characters", JSON.stringify({ content: "x".repeat(2001) }), 50035],
  ])("answers 400 with Discord's error to %s", async (_what, body, code) => {
    const { url, messages } = await open();
    const res = await post(url, body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code, message: expect.any(String) });
    expect(messages).toEqual([]);
    expect(printed).toEqual([]);
  });

  it("answers 404 to other paths and methods", async () => {
    const { url } = await open();
    const origin = new URL(url).origin;
    const body = JSON.stringify({ content: "x" });
    expect((await post(`${origin}/api/webhooks`, body)).status).toBe(404);
    expect((await post(`${origin}/health`, body)).status).toBe(404);
    expect((await post(url, body, "GET")).status).toBe(404);
    expect(printed).toEqual([]);
  });

  it("refuses a body over the size limit with 413 and stays up", async () => {
    const { url, messages } = await open();
    const content = "x".repeat(MAX_INBOX_BODY_BYTES);
    expect((await post(url, JSON.stringify({ content }))).status).toBe(413);
    expect((await post(url, JSON.stringify({ content: "after" }))).status).toBe(204);
    expect(messages.map((m) => m.content)).toEqual(["after"]);
  });

  it("refuses an oversized body sent without a length (chunked) with 413", async () => {
    const { url, messages } = await open();
    async function* chunks() {
      yield Buffer.from('{"content":"');
      for (let i = 0; i < 10; i++) yield Buffer.alloc(16 * 1024, "x");
      yield Buffer.from('"}');
    }
    expect((await post(url, Readable.from(chunks()))).status).toBe(413);
    expect(messages).toEqual([]);
  });

  it("prints to stdout between frame lines when no printer is given", async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      inbox = await startInbox({});
      expect((await post(inbox.url, JSON.stringify({ content: "line 1\nline 2" }))).status).toBe(
        204,
      );
    } finally {
      spy.mockRestore();
    }
    expect(written.join("")).toMatch(/^─+ Discord message ─+\nline 1\nline 2\n─+\n$/);
  });

  it("takes the bot's posts with their buttons only with its token, and answers with the message", async () => {
    inbox = await startInbox({ print: () => {}, botToken: "the-local-bot-token" });
    const channel = `${inbox.apiUrl}/channels/100000000000000003/messages`;
    const body = JSON.stringify({
      content: "# done",
      components: [
        { type: 1, components: [{ type: 2, style: 1, label: "Pause", custom_id: "a2.x" }] },
      ],
    });
    const send = (authorization: string) =>
      fetch(channel, {
        method: "POST",
        headers: { "content-type": "application/json", authorization },
        body,
      });
    expect((await send("Bot another-token")).status).toBe(401);
    const res = await send("Bot the-local-bot-token");
    expect(res.status).toBe(200);
    const message = (await res.json()) as { id: string; channel_id: string };
    expect(message).toMatchObject({ channel_id: "100000000000000003", content: "# done" });
    expect(inbox.messages).toEqual([
      expect.objectContaining({
        id: message.id,
        via: "bot",
        components: JSON.parse(body).components,
      }),
    ]);
    const tooLong = JSON.stringify({
      content: "x",
      components: [
        { type: 1, components: [{ type: 2, style: 1, label: "P", custom_id: "c".repeat(101) }] },
      ],
    });
    const refused = await fetch(channel, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bot the-local-bot-token" },
      body: tooLong,
    });
    expect(refused.status).toBe(400);
    expect(inbox.messages).toHaveLength(1);
  });

  describe("a link button", () => {
    const row = (...components: object[]) => [{ type: 1, components }];
    const open = (url: unknown) => ({ type: 2, style: 5, label: "Open", url });
    const ignore = { type: 2, style: 2, label: "Ignore", custom_id: "a2.x" };
    const postAsBot = (components: unknown) =>
      fetch(`${inbox?.apiUrl}/channels/100000000000000003/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bot the-local-bot-token" },
        body: JSON.stringify({ content: "# PR Monitor", components }),
      });

    it("is taken as Discord takes it: style 5, an https URL of at most 512 characters, no custom_id", async () => {
      inbox = await startInbox({ print: () => {}, botToken: "the-local-bot-token" });
      const components = row(open("https://github.com/acme/app/pull/12"), ignore);
      expect((await postAsBot(components)).status).toBe(200);
      expect(inbox.messages.map((m) => m.components)).toEqual([components]);
      for (const bad of [
        row(open("javascript:alert(1)")),
        row(open("http://github.com/acme/app/pull/12")),
        row(open(`https://github.com/${"x".repeat(500)}`)),
        row(open("https://github.com/acme app")),
        row(open(42)),
        row({ ...open("https://github.com/acme/app/pull/12"), custom_id: "a2.x" }),
        row({ ...ignore, url: "https://github.com/acme/app/pull/12" }),
      ])
        expect((await postAsBot(bad)).status, JSON.stringify(bad)).toBe(400);
      expect(inbox.messages).toHaveLength(1);
    });

    it("is never clicked: the inbox answers with its URL and sends nothing", async () => {
      let sent = 0;
      const endpoint = createServer((_req, res) => {
        sent++;
        res.writeHead(500).end();
      });
      await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = endpoint.address() as AddressInfo;
        inbox = await startInbox({
          print: () => {},
          botToken: "the-local-bot-token",
          clicks: {
            interactionsUrl: `http://127.0.0.1:${port}/discord/interactions`,
            privateKey: generateKeyPairSync("ed25519").privateKey,
          },
        });
        await postAsBot(row(open("https://github.com/acme/app/pull/12"), ignore));
        const [message] = inbox.messages;
        for (const button of ["Open", "1"]) {
          const res = await fetch(new URL("/click", inbox.pageUrl), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ messageId: message?.id, button }),
          });
          expect(res.status).toBe(409);
          expect(await res.json()).toEqual({
            message: "that button is a link, not a click",
            url: "https://github.com/acme/app/pull/12",
          });
        }
        expect(sent).toBe(0);
      } finally {
        await new Promise((resolve) => endpoint.close(resolve));
      }
    });
  });

  it("serves its page under a CSP, and takes clicks only as JSON from itself", async () => {
    const { pageUrl } = await open();
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    const click = (headers: Record<string, string>) =>
      fetch(new URL("/click", pageUrl), {
        method: "POST",
        headers,
        body: JSON.stringify({ messageId: "1", button: "1" }),
      });
    // A form post from another site, and a fetch from another origin: refused.
    expect((await click({ "content-type": "application/x-www-form-urlencoded" })).status).toBe(403);
    expect(
      (await click({ "content-type": "application/json", origin: "http://evil.example" })).status,
    ).toBe(403);
    // Its own: on to the click (no key here: nothing can be clicked).
    expect((await click({ "content-type": "application/json" })).status).toBe(503);
  });
});
