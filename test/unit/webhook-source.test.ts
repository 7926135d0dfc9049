// SSM has no local server: this is the one place an AWS client is mocked
// (aws-sdk-client-mock). Everything else talks to real servers on loopback.
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { webhookSource } from "../../src/lib/adapters/ssm-webhook.js";
import { redactSecrets } from "../../src/lib/core/secrets.js";

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

const SSM_URL = "https://discord.com/api/webhooks/1234/ssm-token-abcdefghijklmnop";

describe("webhook source", () => {
  it("prefers AMPA_DISCORD_WEBHOOK, stripped of quotes and spaces, and never asks SSM", async () => {
    const { config } = parseConfig({
      AMPA_DISCORD_WEBHOOK: ` "https://discord.com/api/webhooks/1/env-token-abcdefgh" `,
    });
    const source = webhookSource(config, {
      useSsm: true,
      ssm: new SSMClient({ region: "us-east-1" }),
    });
    expect(await source()).toEqual({
      url: "https://discord.com/api/webhooks/1/env-token-abcdefgh",
      origin: "environment",
    });
    expect(ssm.calls()).toHaveLength(0);
  });

  it("reads the SecureString named by AMPA_DISCORD_WEBHOOK_PARAM with decryption, cached for the max age", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: SSM_URL } });
    const { config } = parseConfig({ AMPA_STAGE: "prod", AMPA_WEBHOOK_CACHE_SECONDS: "60" });
    let now = 0;
    const source = webhookSource(config, {
      useSsm: true,
      ssm: new SSMClient({ region: "us-east-1" }),
      clock: () => now,
    });
    expect(await source()).toEqual({ url: SSM_URL, origin: "ssm" });
    now = 59_000;
    await source();
    expect(ssm.calls()).toHaveLength(1);
    expect(ssm.call(0).args[0].input).toEqual({
      Name: "/ampa/prod/discord-webhook",
      WithDecryption: true,
    });
    now = 61_000;
    await source();
    expect(ssm.calls()).toHaveLength(2);
    // Once resolved, the token is a registered secret: redacted wherever it appears.
    expect(redactSecrets(`posting to ${SSM_URL}`)).not.toContain("ssm-token-abcdefghijklmnop");
  });

  it("treats a missing parameter as not configured, and falls back to the local inbox when given", async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: "not found", $metadata: {} }));
    const { config } = parseConfig({});
    const client = new SSMClient({ region: "us-east-1" });
    expect(await webhookSource(config, { useSsm: true, ssm: client })()).toBeUndefined();
    const inbox = {
      url: "http://127.0.0.1:8025/api/webhooks/0/local-inbox",
      origin: "local-inbox" as const,
    };
    expect(await webhookSource(config, { useSsm: true, ssm: client, fallback: inbox })()).toEqual(
      inbox,
    );
  });

  it("does not ask SSM off Lambda unless told to", async () => {
    const { config } = parseConfig({});
    expect(
      await webhookSource(config, { useSsm: false, ssm: new SSMClient({ region: "us-east-1" }) })(),
    ).toBeUndefined();
    expect(ssm.calls()).toHaveLength(0);
  });

  it("never echoes an invalid webhook value in the configuration warning", () => {
    const { warnings } = parseConfig({ AMPA_DISCORD_WEBHOOK: "not a url secret-token-xyz" });
    expect(warnings[0]?.variable).toBe("AMPA_DISCORD_WEBHOOK");
    expect(warnings[0]?.message).not.toContain("secret-token-xyz");
  });

  it("posts as the application when a channel id and a bot token resolve, else by the webhook", async () => {
    const { config } = parseConfig({
      AMPA_DISCORD_WEBHOOK: "https://discord.com/api/webhooks/1/env-token-abcdefgh",
    });
    const bot = (channel: string | undefined, token: string | undefined) =>
      webhookSource(config, {
        useSsm: false,
        bot: {
          apiUrl: "https://discord.com/api/v10",
          channelId: () => Promise.resolve(channel),
          token: () => Promise.resolve(token),
        },
      })();
    expect(await bot("800000000000000001", "bot-token-abcdefghijkl")).toEqual({
      url: "https://discord.com/api/v10/channels/800000000000000001/messages",
      origin: "bot",
      authorization: "Bot bot-token-abcdefghijkl",
      buttons: true,
    });
    expect(redactSecrets("Bot bot-token-abcdefghijkl")).not.toContain("bot-token-abcdefghijkl");
    const plain = {
      url: "https://discord.com/api/webhooks/1/env-token-abcdefgh",
      origin: "environment",
    };
    expect(await bot("800000000000000001", undefined)).toEqual(plain);
    expect(await bot(undefined, "bot-token-abcdefghijkl")).toEqual(plain);
    expect(await bot("not-a-channel", "bot-token-abcdefghijkl")).toEqual(plain);
  });

  it("takes a webhook asking with_components=true as the application's own: with buttons", async () => {
    const url = "https://discord.com/api/v10/webhooks/1/owned-token-abcdefgh?with_components=true";
    const { config } = parseConfig({ AMPA_DISCORD_WEBHOOK: url });
    expect(await webhookSource(config, { useSsm: false })()).toEqual({
      url,
      origin: "environment",
      buttons: true,
    });
  });
});
