import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { createDoubles } from "../support/doubles.js";
import { cliHarness } from "../support/harness.js";
import { runOnceInProcess } from "../support/run-once.js";
import { reply, startFakeWebhook } from "../support/webhook-server.js";

/** A run's result post is skipped when outcome, exit code and output equal the previous run's. */

const cli = cliHarness();
let dir: string;

// Runs after the harness's beforeEach (registered later): each test's command gets its own folder.
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ampa-unchanged-"));
  cli.env.AMPA_COMMAND_CWD = dir;
});

/** The command prints out.txt and exits with the code in code.txt. */
const say = (text: string, code = 0) => {
  writeFileSync(join(dir, "out.txt"), text);
  writeFileSync(join(dir, "code.txt"), String(code));
};
/** Written through the store: the runs' posts are the subject, not `ampa add`. */
const add = (metadata: Record<string, unknown> = {}) =>
  addAsCli(cli.store, ["echo", 'cat out.txt; exit "$(cat code.txt)"', "60", "0"], {
    metadata: JSON.stringify(metadata),
  });
/**
 * `ampa run-once echo` in this process (test/support/run-once.ts says why); the first run
 * below runs the real executable.
 */
const run = () => runOnceInProcess("echo", cli.env);
const posts = () => cli.webhook.requests.length;
/** What each stored run's record says became of its post, oldest first. */
const notified = async () => (await cli.store.listRuns("echo")).map((r) => r.notified).reverse();

// Generous time: each test runs its command several times.
describe("post only what changed", () => {
  it("posts the first result, skips an identical one, posts a changed output or exit code", async () => {
    await add();
    say("3 items");
    // The real executable, end to end: the same store, the same records as in-process runs.
    const viaCli = await runCli(["run-once", "echo"], cli.env);
    expect(viaCli.code).toBe(0);
    expect(posts()).toBe(1);
    const inProcess = await run();
    expect(posts()).toBe(1);
    // The same run prints the same in this process as the executable did.
    expect(inProcess.stdout).toBe("3 items\nRun-once complete for echo exit=0\n");
    expect(viaCli.stdout).toBe(inProcess.stdout);
    say("4 items");
    await run();
    expect(posts()).toBe(2);
    say("4 items", 1);
    expect((await run()).code).toBe(1);
    expect(posts()).toBe(3);
    // Back to the earlier result: it differs from the previous run's, so it is posted.
    say("4 items");
    await run();
    expect(posts()).toBe(4);
    expect(await notified()).toEqual(["sent", "unchanged", "sent", "sent", "sent"]);
  }, 120_000);

  it("metadata.post_unchanged posts every result", async () => {
    await add({ post_unchanged: true });
    say("same");
    await run();
    await run();
    expect(posts()).toBe(2);
    expect(await notified()).toEqual(["sent", "sent"]);
  }, 120_000);

  it.each([
    [{}, 1],
    [{ post_unchanged: true }, 2],
  ])(
    "a delegation command with metadata %j posts an identical Delegation Report %i time(s) of two",
    async (metadata, expected) => {
      // Nothing to delegate: the same idle report twice.
      const d = createDoubles({ wl: { items: [] } });
      Object.assign(cli.env, d.env);
      await addAsCli(cli.store, ["deleg", "", "60", "0"], {
        type: "delegation",
        metadata: JSON.stringify(metadata),
      });
      for (let i = 0; i < 2; i++) expect((await runOnceInProcess("deleg", cli.env)).code).toBe(0);
      const reports = cli.webhook.requests.filter((r) => r.body.includes("# Delegation Report"));
      expect(reports).toHaveLength(expected);
      expect(reports[0]?.body).toContain("delegation is idle");
    },
    120_000,
  );

  it("notes a post Discord refused as a dead letter on the run, and the letter names the run", async () => {
    const refusing = await startFakeWebhook([], reply.status(400, "bad request"));
    try {
      cli.env.AMPA_DISCORD_WEBHOOK = refusing.url;
      await add();
      say("refused");
      await run();
      const [stored] = await cli.store.listRuns("echo");
      expect(stored?.notified).toBe("dead_letter");
      const letters = await cli.store.listDeadLetters();
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        kind: "command",
        commandId: "echo",
        runId: stored?.runId,
      });
    } finally {
      await refusing.close();
    }
  }, 120_000);
});
