import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  maskWebhookUrl,
  redactSecrets,
  registerSecret,
  webhookToken,
} from "../../src/lib/core/secrets.js";
import { capturingLogger } from "../support/logger.js";

/** A fresh secret per test: the registry is process-wide and never forgets. */
const secret = () => `s3cr3t-${randomBytes(12).toString("hex")}`;
const TOKEN = "AbC_dEf-123ghiJKLmnoPQRstuVWXyz0123456789abcdefghijklmnopqrstuvwxyz_-";

describe("redactSecrets", () => {
  it.each([
    `https://discord.com/api/webhooks/123456789/${TOKEN}`,
    `https://discordapp.com/api/webhooks/123456789/${TOKEN}`,
    `https://ptb.discord.com/api/v10/webhooks/123456789/${TOKEN}?wait=true`,
    `HTTPS://Discord.com/api/webhooks/123456789/${TOKEN}/slack`,
  ])("masks the token of %s and keeps the webhook id", (url) => {
    const out = redactSecrets(`POST ${url} failed`);
    expect(out).not.toContain(TOKEN);
    expect(out).toMatch(/webhooks\/123456789\/\*\*\*\*/);
  });

  it("masks a webhook token inside a JSON log line and leaves the JSON valid", () => {
    const line = JSON.stringify({ url: `https://discord.com/api/webhooks/1/${TOKEN}`, n: 1 });
    expect(JSON.parse(redactSecrets(line))).toEqual({
      url: "https://discord.com/api/webhooks/1/****",
      n: 1,
    });
  });

  it("replaces every occurrence of a registered secret", () => {
    const value = secret();
    registerSecret(value);
    expect(redactSecrets(`a ${value} b ${value}c`)).toBe("a **** b ****c");
  });

  it("ignores registered values shorter than 8 characters", () => {
    registerSecret("hunter2");
    expect(redactSecrets("password hunter2")).toBe("password hunter2");
  });

  it("finds a secret with quotes or backslashes in its JSON-escaped form too", () => {
    const value = `${secret()}"\\x`;
    registerSecret(value);
    expect(redactSecrets(JSON.stringify({ value }))).toBe('{"value":"****"}');
  });

  it("replaces a secret that contains another registered secret whole", () => {
    const inner = secret();
    const outer = `${inner}-and-more`;
    registerSecret(inner);
    registerSecret(outer);
    expect(redactSecrets(`[${outer}]`)).toBe("[****]");
  });

  it("leaves text without secrets as it is", () => {
    const text = "https://example.com/api/things/42 ok";
    expect(redactSecrets(text)).toBe(text);
  });
});

describe("maskWebhookUrl", () => {
  it.each([
    [`https://discord.com/api/webhooks/123/${TOKEN}`, "https://discord.com/api/webhooks/123/****"],
    [
      `https://discord.com/api/v10/webhooks/123/${TOKEN}/github?wait=true`,
      "https://discord.com/api/v10/webhooks/123/****",
    ],
    [
      "http://127.0.0.1:4000/api/webhooks/0/local-inbox",
      "http://127.0.0.1:4000/api/webhooks/0/****",
    ],
    [
      "https://user:pw@hooks.example.com/notify/abc123?k=v#f",
      "https://hooks.example.com/notify/****",
    ],
    ["https://hooks.example.com/", "https://hooks.example.com/"],
    ["not a url", "****"],
  ])("%s → %s", (url, masked) => {
    expect(maskWebhookUrl(url)).toBe(masked);
  });
});

describe("webhookToken", () => {
  it("finds the token of a webhook path on any host, and nothing elsewhere", () => {
    expect(webhookToken(`https://discord.com/api/webhooks/1/${TOKEN}`)).toBe(TOKEN);
    expect(webhookToken("http://127.0.0.1:9/api/webhooks/0/local-inbox")).toBe("local-inbox");
    expect(webhookToken("https://example.com/a/b")).toBeUndefined();
    expect(webhookToken("::")).toBeUndefined();
  });
});

describe("log redaction", () => {
  it("redacts secrets in messages, nested objects and errors of captured lines", () => {
    const value = secret();
    registerSecret(value);
    const { log, lines } = capturingLogger();
    const url = `https://discord.com/api/webhooks/42/${TOKEN}`;
    log.info({ deep: { list: [value, { url }] } }, `message with ${value}`);
    log.error({ err: new Error(`failed to reach ${url}`) }, "failed");
    const text = JSON.stringify(lines());
    expect(lines()).toHaveLength(2);
    expect(text).not.toContain(value);
    expect(text).not.toContain(TOKEN);
    expect(lines()[0]).toMatchObject({
      msg: "message with ****",
      deep: { list: ["****", { url: "https://discord.com/api/webhooks/42/****" }] },
    });
  });
});
