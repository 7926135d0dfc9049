import { describe, expect, it } from "vitest";
import { addAsCli, specFlags } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { createDoubles, workItem } from "../support/doubles.js";
import { refusedUrl } from "../support/webhook-server.js";
import { type FreshStack, freshStacks, PLAIN_PATH, type Post } from "./hostile.js";

/**
 * Mentions and huge titles on their way to Discord: every post carries
 * `allowed_mentions: {parse: []}` (nobody is pinged), fits in 2,000 characters, and is
 * delivered — or, with Discord down, kept whole as a dead letter for redrive.
 */

const fresh = freshStacks();

const MENTIONS = "@everyone @here <@123456789> <@!42> <@&987654321> <#555> @​everyone";
const HUGE = (length: number) => `${"@everyone 👋🏽 ".repeat(length / 10)}`.slice(0, length);

/** Every post: mentions off, at most 2,000 characters. */
function expectSafe(posts: Post[], count: number): void {
  expect(posts).toHaveLength(count);
  for (const post of posts) {
    expect(post.allowed_mentions).toEqual({ parse: [] });
    expect(post.content.length).toBeLessThanOrEqual(2000);
    expect(post.content).not.toMatch(/[\uD800-\uDBFF]$/);
  }
}

/**
 * Adds a command as `ampa add c <args>` would (through the store: the post is the subject,
 * not `add`) and runs it once through the CLI; returns the run's CLI result.
 */
async function addAndRun(s: FreshStack, args: string[], extraEnv: Record<string, string> = {}) {
  const env = { ...s.env, PATH: PLAIN_PATH, ...extraEnv };
  const [command = "", frequency = "", priority = "", ...options] = args;
  await addAsCli(s.table.store, ["c", command, frequency, priority], specFlags(options));
  return runCli(["run-once", "c"], env);
}

describe("command results", () => {
  it.concurrent.each([
    [
      "mentions in the output",
      ["printf '%s' '<M>'", "1", "0", "--title", "Pings"],
      // Output is outside text: posted without its zero-width space (issue 19, item 11).
      "# Pings\n\n<M-visible>",
    ],
    ["mentions in the title", ["true", "1", "0", "--title", "<M>"], "# <M>\n\n(no output)"],
    [
      "mentions in metadata.discord_label",
      ["true", "1", "0", "--metadata", JSON.stringify({ discord_label: "<M>" })],
      "# <M>\n\n(no output)",
    ],
  ])("%s: posted verbatim, mentions off", (_name, args, content) =>
    fresh(async (s) => {
      const withMentions = args.map((a) => a.replace("<M>", MENTIONS));
      expect((await addAndRun(s, withMentions)).code).toBe(0);
      expectSafe(s.posts(), 1);
      expect(s.posts()[0]?.content).toBe(
        content.replace("<M>", MENTIONS).replace("<M-visible>", MENTIONS.replaceAll("\u200b", "")),
      );
    }),
  );

  it.concurrent.each([
    [
      "a 10,000-character discord_label",
      ["true", "1", "0", "--metadata", JSON.stringify({ discord_label: HUGE(10_000) })],
    ],
    ["10,000 characters of output", [`printf '%s' '${HUGE(10_000)}'`, "1", "0"]],
  ])("%s: cut to 2,000 characters with a marker, delivered", (_name, args) =>
    fresh(async (s) => {
      expect((await addAndRun(s, args)).code).toBe(0);
      expectSafe(s.posts(), 1);
      expect(s.posts()[0]?.content).toMatch(/^# (c|@everyone)/);
      expect(s.posts()[0]?.content).toMatch(/… \((output )?truncated\)$/);
    }),
  );
});

const AUDIT = "## Summary\nDone, @everyone. PR merged: https://github.com/acme/app/pull/7";

/** A triage audit of one in-progress item titled `title`, completed on gh's word. */
async function auditItemTitled(s: FreshStack, title: string, extraEnv: Record<string, string>) {
  const d = createDoubles({
    wl: { items: [workItem({ id: "SA-1", title, status: "in-progress", stage: "in_progress" })] },
    opencode: { responses: [{ prefix: "/audit", stdout: AUDIT }] },
    gh: { prs: { "acme/app#7": { merged: true } } },
  });
  await addAsCli(s.table.store, ["audit", "", "60", "0"], { type: "triage-audit" });
  return runCli(["run-once", "audit"], { ...s.env, ...d.env, ...extraEnv });
}

describe("Worklog titles", () => {
  it("a 10,000-character title of mentions: both audit posts cut to 2,000, mentions off, delivered", () =>
    fresh(async (s) => {
      const title = HUGE(10_000);
      expect((await auditItemTitled(s, title, {})).code).toBe(0);
      expectSafe(s.posts(), 2);
      expect(s.posts()[0]?.content).toMatch(/^# Triage Audit — @everyone 👋🏽 @everyone/);
      expect(s.posts()[1]?.content).toMatch(/^# Audit Completed — @everyone/);
    }));

  it("a 500 KB title while Discord is down: kept as a dead letter, then redriven", () =>
    fresh(async (s) => {
      const down = { AMPA_DISCORD_WEBHOOK: await refusedUrl(), AMPA_MAX_RETRIES: "0" };
      const result = await auditItemTitled(s, HUGE(500_000), down);
      expect(result.stdout).toContain("The Triage Audit message was not delivered (dead letter).");
      const letters = JSON.parse((await runCli(["deadletters", "list", "--json"], s.env)).stdout);
      expect(letters.map((l: { kind: string }) => l.kind)).toEqual(["audit", "audit"]);
      for (const l of letters) expect(l.content.length).toBeLessThanOrEqual(2000);
      const redrive = await runCli(["deadletters", "redrive"], s.env);
      expect(redrive.stdout).toContain("Redrive: 2 delivered, 0 failed");
      expectSafe(s.posts(), 2);
    }));

  it("a delegation report of mention-laden 10,000-character titles: summarized, delivered", () =>
    fresh(async (s) => {
      const d = createDoubles({
        wl: { items: [workItem({ id: "SA-1", title: HUGE(10_000), stage: "idea" })] },
      });
      // Summarizing is an opt-in (it runs an agent on the report).
      const env = { ...s.env, ...d.env, AMPA_SUMMARIZE_WITH_AGENT: "1" };
      const result = await runCli(["delegation", "--discord", "--dry-run"], env);
      expect(result.code).toBe(0);
      expectSafe(s.posts(), 1);
      expect(s.posts()[0]?.content).toMatch(/^# Delegation Report\n\ndone: summarize this content/);
    }));
});
