// `npm start` with no Discord settings plays Discord locally: its own application posts
// to the inbox with buttons, and a click (here `ampa discord click`) goes signed through
// serverless-offline to the interactions function, which pauses the command.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboxMessage } from "../../src/lib/local/inbox.js";
import { runCli } from "../support/cli.js";
import { ROOT, type Started, stackEnv, stackStore, startStack } from "../support/local-stack.js";
import { waitFor } from "../support/wait.js";

/** How long the stack may take to boot, build and run what a test waits for. */
const STACK_WAIT_MS = 90_000;

const dir = mkdtempSync(join(tmpdir(), "ampa-discord-stack-"));
const storeDir = join(dir, "data");
const esbuildDir = `.ampa/esbuild-test-discord-${process.pid}`;
let env: Record<string, string>;
let stack: Started;

beforeAll(async () => {
  env = {
    ...(await stackEnv(storeDir, esbuildDir)),
    AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
    AMPA_SCHEDULER_POLL_INTERVAL_SECONDS: "1",
  };
  stack = startStack(env);
}, 120_000);
afterAll(async () => {
  if (stack.child.exitCode === null) {
    stack.child.kill("SIGINT");
    await stack.exited;
  }
  rmSync(join(ROOT, esbuildDir), { recursive: true, force: true });
});

const inbox = () => `http://127.0.0.1:${env.AMPA_INBOX_PORT}`;
async function messages(): Promise<InboxMessage[]> {
  const res = await fetch(`${inbox()}/messages`).catch(() => undefined);
  return res?.ok ? ((await res.json()) as { messages: InboxMessage[] }).messages : [];
}

describe("npm start without Discord settings", () => {
  it("posts with buttons to the inbox, and a signed click pauses the command", async () => {
    const post = await waitFor(
      "the Date post with its buttons",
      async () => (await messages()).find((m) => m.via === "bot" && m.content.startsWith("# Date")),
      STACK_WAIT_MS,
      stack.output,
    );
    const labels = (post.components as { components: { label: string }[] }[]).flatMap((r) =>
      r.components.map((b) => b.label),
    );
    expect(labels).toEqual(["Run again", "Pause"]);
    expect(stack.output()).toContain(`the inbox's page shows the posts with their buttons`);
    // The local application's identity, beside the store, the owner's alone.
    expect(statSync(join(dir, "discord-local.json")).mode & 0o777).toBe(0o600);

    const click = await runCli(["discord", "click", post.id, "Pause", "--inbox", inbox()], {});
    expect(click.code, click.stderr).toBe(0);
    expect(click.stdout).toBe("Deferred: the answer follows in the inbox.\n");
    const store = stackStore(storeDir);
    try {
      await waitFor(
        "date paused",
        async () => (await store.getCommand("date"))?.paused,
        STACK_WAIT_MS,
        stack.output,
      );
      const answer = await waitFor("the answer's edit in the inbox", async () =>
        (await messages()).find((m) => m.via === "answer" && m.content === "Paused `date`."),
      );
      expect(answer.content).toBe("Paused `date`.");
      const [action] = await store.listActions(1);
      expect(action).toMatchObject({
        action: "pause",
        commandId: "date",
        userId: "100000000000000001",
        outcome: "done",
        messageId: post.id,
      });
    } finally {
      store.close();
    }
  });
});
