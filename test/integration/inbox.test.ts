import { testLogger } from "../support/logger.js";
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
});
