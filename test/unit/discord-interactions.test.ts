import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  commandButtons,
  openButton,
  postButtons,
  sealButton,
} from "../../src/lib/core/discord/buttons.js";
import { parsePullRequestRef, pullRequestUrl } from "../../src/lib/core/github.js";
import {
  mayAct,
  parseAllowlist,
  parseInteraction,
  snowflakeTime,
} from "../../src/lib/core/discord/interaction.js";
import { ed25519PublicKey, verifyRequest } from "../../src/lib/core/discord/signature.js";
import { SLASH_COMMAND, changesState } from "../../src/lib/core/discord/slash-commands.js";
import {
  signedHeaders,
  slashCommand,
  snowflake,
  testApplication,
} from "../support/discord-interactions.js";

const app = testApplication();
const key = ed25519PublicKey(app.publicKeyHex);
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

function request(body: string, headers: Record<string, string>) {
  return {
    signature: headers["x-signature-ed25519"],
    timestamp: headers["x-signature-timestamp"],
    body: Buffer.from(body),
  };
}

describe("the request signature (Ed25519 over timestamp + raw body)", () => {
  const body = JSON.stringify({ type: 1 });

  it("accepts a request signed with the application's key, just made", () => {
    expect(
      verifyRequest(key, request(body, signedHeaders(app.privateKey, body, NOW)), NOW),
    ).toEqual({
      ok: true,
    });
  });

  it("refuses an unsigned, a malformed, a forged and an altered request", () => {
    const other = testApplication();
    const signed = signedHeaders(app.privateKey, body, NOW);
    const verdict = (b: string, h: Record<string, string>) =>
      (verifyRequest(key, request(b, h), NOW) as { reason?: string }).reason;
    expect(verdict(body, {})).toBe("unsigned");
    expect(verdict(body, { ...signed, "x-signature-ed25519": "zz" })).toBe("malformed");
    expect(verdict(body, { ...signed, "x-signature-timestamp": "soon" })).toBe("malformed");
    expect(verdict(body, signedHeaders(other.privateKey, body, NOW))).toBe("bad-signature");
    expect(verdict(JSON.stringify({ type: 2 }), signed)).toBe("bad-signature");
    // The timestamp is signed too: moving it breaks the signature.
    expect(verdict(body, { ...signed, "x-signature-timestamp": String(NOW / 1000 + 1) })).toBe(
      "bad-signature",
    );
  });

  it("refuses a genuine request older than 5 minutes, or more than a minute ahead", () => {
    const at = (t: number) =>
      verifyRequest(key, request(body, signedHeaders(app.privateKey, body, t)), NOW);
    expect(at(NOW - 5 * 60_000).ok).toBe(true);
    expect(at(NOW - 5 * 60_000 - 1000)).toEqual({ ok: false, reason: "stale" });
    expect(at(NOW + 60_000).ok).toBe(true);
    expect(at(NOW + 61_000)).toEqual({ ok: false, reason: "future" });
  });

  it("takes only a 64-hex-character public key", () => {
    expect(() => ed25519PublicKey("abc")).toThrow(/64 hex/);
    expect(() => ed25519PublicKey(randomBytes(32).toString("base64"))).toThrow(/64 hex/);
  });
});

describe("an interaction, parsed", () => {
  it("reads the action, who asked and where", () => {
    const i = parseInteraction(
      slashCommand(app, "pause", { id: "nightly" }, { userId: "42", roles: ["7"] }, NOW),
    );
    expect(i).toMatchObject({
      kind: "command",
      action: { name: "pause", id: "nightly" },
      actor: { userId: "42", userName: "user42", roles: ["7"] },
      channelId: "800000000000000001",
      reply: { applicationId: app.id },
    });
    expect(snowflakeTime((i as { interactionId: string }).interactionId)).toBe(NOW);
  });

  it("reads deadletters' redrive flag; status needs nothing", () => {
    expect(parseInteraction(slashCommand(app, "deadletters"))).toMatchObject({
      action: { name: "deadletters", redrive: false },
    });
    expect(parseInteraction(slashCommand(app, "deadletters", { redrive: true }))).toMatchObject({
      action: { name: "deadletters", redrive: true },
    });
    expect(parseInteraction(slashCommand(app, "status"))).toMatchObject({
      action: { name: "status" },
    });
  });

  it("answers what it does not know with a reason, and refuses what is no interaction", () => {
    expect(parseInteraction(slashCommand(app, "explode", { id: "x" }))).toMatchObject({
      kind: "unsupported",
      message: "unknown subcommand explode",
    });
    expect(parseInteraction(slashCommand(app, "why"))).toMatchObject({ kind: "unsupported" });
    for (const junk of [
      null,
      1,
      "x",
      {},
      { type: 2 },
      { ...slashCommand(app, "status"), id: "abc" },
    ])
      expect(parseInteraction(junk)).toBeUndefined();
  });

  it("reads autocomplete's typed prefix", () => {
    const i = slashCommand(app, "run", { id: "nig" });
    i.type = 4;
    (i.data.options[0]?.options[0] as { focused?: boolean }).focused = true;
    expect(parseInteraction(i)).toEqual({ kind: "autocomplete", prefix: "nig" });
  });

  it("gives every interaction id its own time", () => {
    expect(snowflakeTime(snowflake(NOW))).toBe(NOW);
  });
});

describe("who may act", () => {
  const { allowlist, invalid } = parseAllowlist("user:42, role:7\nuser:x admin role:");
  it("reads user: and role: entries and reports the rest", () => {
    expect([...allowlist.users]).toEqual(["42"]);
    expect([...allowlist.roles]).toEqual(["7"]);
    expect(invalid).toEqual(["user:x", "admin", "role:"]);
  });

  it("allows a listed user or a holder of a listed role, no one else", () => {
    expect(mayAct({ userId: "42", userName: "a", roles: [] }, allowlist)).toBe(true);
    expect(mayAct({ userId: "1", userName: "b", roles: ["9", "7"] }, allowlist)).toBe(true);
    expect(mayAct({ userId: "1", userName: "c", roles: ["9"] }, allowlist)).toBe(false);
    expect(
      mayAct({ userId: "42", userName: "d", roles: [] }, parseAllowlist(undefined).allowlist),
    ).toBe(false);
  });

  it("lets anyone read (status, why, logs, deadletters) but nothing else", () => {
    const names = SLASH_COMMAND.options.map((o) => o.name);
    expect(names).toEqual(["status", "why", "run", "pause", "resume", "logs", "deadletters"]);
    expect(changesState({ name: "status" })).toBe(false);
    expect(changesState({ name: "why", id: "a" })).toBe(false);
    expect(changesState({ name: "logs", id: "a" })).toBe(false);
    expect(changesState({ name: "deadletters", redrive: false })).toBe(false);
    expect(changesState({ name: "deadletters", redrive: true })).toBe(true);
    for (const name of ["run", "pause", "resume", "approve", "hold", "ignore"] as const)
      expect(changesState({ name, id: "a" })).toBe(true);
  });
});

describe("a button's custom_id", () => {
  const secret = randomBytes(32).toString("base64");

  it("carries its action sealed: opaque, and opened only with the key", () => {
    const id = sealButton(secret, "pause", "nightly") ?? "";
    expect(id.length).toBeLessThanOrEqual(100);
    expect(id).not.toContain("nightly");
    expect(Buffer.from(id.slice(3), "base64url").toString("latin1")).not.toContain("nightly");
    expect(openButton(secret, id)).toEqual({ name: "pause", id: "nightly" });
    // Sealed twice, never the same text (a fresh IV each time).
    expect(sealButton(secret, "pause", "nightly")).not.toBe(id);
  });

  it("refuses a forged, altered or foreign one", () => {
    const id = sealButton(secret, "run", "nightly") ?? "";
    const flip = (s: string, at: number) =>
      s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);
    expect(openButton(secret, flip(id, id.length - 3))).toBeUndefined();
    expect(openButton(secret, flip(id, 5))).toBeUndefined();
    expect(openButton(randomBytes(32).toString("base64"), id)).toBeUndefined();
    expect(openButton(secret, "run:nightly")).toBeUndefined();
    expect(openButton(secret, "a1.")).toBeUndefined();
  });

  it("carries the run of a post when it fits, and drops it rather than the button", () => {
    const runId = "0b7e5a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    const withRun = sealButton(secret, "logs", { id: "nightly", runId }) ?? "";
    expect(withRun.length).toBeLessThanOrEqual(100);
    expect(openButton(secret, withRun)).toEqual({ name: "logs", id: "nightly", runId });
    // 26 characters fit with a run, 42 without one.
    const long = "x".repeat(40);
    expect(openButton(secret, sealButton(secret, "approve", { id: long, runId }) ?? "")).toEqual({
      name: "approve",
      id: long,
    });
    // A run id that is no UUID is never sealed.
    expect(openButton(secret, sealButton(secret, "pause", { id: "a", runId: "r1" }) ?? "")).toEqual(
      { name: "pause", id: "a" },
    );
  });

  it("offers per post: Run again / Pause, Run again / Show output, Approve / Keep held", () => {
    const runId = "0b7e5a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    const labels = (rows: ReturnType<typeof postButtons>) =>
      rows.flatMap((r) =>
        r.components.map((b) => [b.label, "custom_id" in b && openButton(secret, b.custom_id)]),
      );
    expect(labels(postButtons(secret, { for: "result", commandId: "c", runId }))).toEqual([
      ["Run again", { name: "run", id: "c", runId }],
      ["Pause", { name: "pause", id: "c", runId }],
    ]);
    expect(labels(postButtons(secret, { for: "failure", commandId: "c", runId }))).toEqual([
      ["Run again", { name: "run", id: "c", runId }],
      ["Show output", { name: "logs", id: "c", runId }],
    ]);
    expect(labels(postButtons(secret, { for: "escalation", workItemId: "SA-1", runId }))).toEqual([
      ["Approve", { name: "approve", id: "SA-1", runId }],
      ["Keep held", { name: "hold", id: "SA-1", runId }],
    ]);
    expect(postButtons(secret, { for: "result", commandId: "x".repeat(60), runId })).toEqual([]);
  });

  describe("a failing PR's post", () => {
    const failing = (url: string, repo = "acme/app", number = 12) =>
      postButtons(secret, { for: "failing-pr", repo, number, url }).flatMap((r) => r.components);

    it("offers Open, a link to the PR, and Ignore, sealed on the PR's reference", () => {
      const [open, ignore, ...more] = failing("https://github.com/acme/app/pull/12");
      expect(more).toEqual([]);
      expect(open).toEqual({
        type: 2,
        style: 5,
        label: "Open",
        url: "https://github.com/acme/app/pull/12",
      });
      expect(ignore).toMatchObject({ type: 2, style: 2, label: "Ignore" });
      const customId = ignore && "custom_id" in ignore ? ignore.custom_id : "";
      expect(customId).not.toContain("acme");
      expect(openButton(secret, customId)).toEqual({ name: "ignore", id: "acme/app#12" });
      // The command's own repository: "" before the number, as the PR monitor keys it.
      const own = failing("https://github.com/acme/app/pull/12", "").at(-1);
      expect(openButton(secret, own && "custom_id" in own ? own.custom_id : "")).toEqual({
        name: "ignore",
        id: "#12",
      });
    });

    it.each([
      ["a javascript: URL", "javascript:alert(1)//https://github.com/acme/app/pull/12"],
      ["another host", "https://evil.example/acme/app/pull/12"],
      ["a look-alike host", "https://github.com.evil.example/acme/app/pull/12"],
      ["credentials before the host", "https://github.com@evil.example/acme/app/pull/12"],
      ["plain http", "http://github.com/acme/app/pull/12"],
      ["another PR's number", "https://github.com/acme/app/pull/13"],
      ["a number with a leading zero", "https://github.com/acme/app/pull/012"],
      ["a path after the number", "https://github.com/acme/app/pull/12/files"],
      ["a query", "https://github.com/acme/app/pull/12?x=1"],
      ["a fragment", "https://github.com/acme/app/pull/12#top"],
      ["a parent path", "https://github.com/acme/../pull/12"],
      ["an owner GitHub would refuse", "https://github.com/-acme/app/pull/12"],
      ["an encoded slash", "https://github.com/acme%2Fx/app/pull/12"],
      ["a newline", "https://github.com/acme/app/pull/12\n"],
      ["no URL at all", ""],
    ])("gives no Open button for %s, and Ignore still", (_what, url) => {
      expect(failing(url).map((b) => b.label)).toEqual(["Ignore"]);
    });

    it("builds Open from the parts it checked", () => {
      expect(pullRequestUrl("https://github.com/my-org/my_repo.js/pull/7", 7)).toBe(
        "https://github.com/my-org/my_repo.js/pull/7",
      );
      expect(pullRequestUrl("https://github.com/my-org/my_repo.js/pull/7", 8)).toBeUndefined();
    });

    it("reads a PR's reference back, and nothing else", () => {
      expect(parsePullRequestRef("acme/app#12")).toEqual({ repo: "acme/app", number: 12 });
      expect(parsePullRequestRef("#12")).toEqual({ repo: "", number: 12 });
      for (const text of [
        "acme/app",
        "acme/app#0",
        "acme/app#x",
        "--x/y#1",
        "a/b/c#1",
        "#99999999999",
      ])
        expect(parsePullRequestRef(text), text).toBeUndefined();
    });
  });

  it("gives no button to a command whose id would not fit in 100 characters", () => {
    expect(sealButton(secret, "run", "x".repeat(60))).toBeUndefined();
    expect(commandButtons(secret, "x".repeat(60))).toEqual([]);
    expect(commandButtons(secret, "nightly")[0]?.components.map((b) => b.label)).toEqual([
      "Run now",
      "Pause",
      "Resume",
    ]);
  });
});
