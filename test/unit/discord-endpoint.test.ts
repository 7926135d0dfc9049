import { describe, expect, it } from "vitest";
import type { ReadDeps } from "../../src/lib/app/discord/answers.js";
import { answerRequest, type EndpointDeps } from "../../src/lib/app/discord/endpoint.js";
import { completeJob, type FollowUpDeps, type Job } from "../../src/lib/app/discord/follow-up.js";
import { parseAllowlist, parseInteraction } from "../../src/lib/core/discord/interaction.js";
import { ed25519PublicKey } from "../../src/lib/core/discord/signature.js";
import type { ActionRecord } from "../../src/lib/core/ports.js";
import { signedHeaders, slashCommand, testApplication } from "../support/discord-interactions.js";

const app = testApplication();
const key = ed25519PublicKey(app.publicKeyHex);
const SETTINGS = {
  pollIntervalMs: 5000,
  globalMinIntervalMs: 60_000,
  tickIntervalMs: 60_000,
  priorityWeight: 0.1,
  defaultMaxRuntimeMinutes: 10,
};
const quiet = { warn: () => {}, error: () => {} };

/** A promise and the function that settles it: a store that answers when told to. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A store whose every read waits on `answered` (a store that takes 2.5 s, without the wait). */
function slowStore(answered: Promise<void>): ReadDeps["store"] {
  const later = async <T>(value: T) => {
    await answered;
    return value;
  };
  return {
    listCommands: () => later({ commands: [], corrupt: [] }),
    getCommand: () => later(undefined),
    getSchedulerState: () => later({ lastGlobalStartAt: undefined }),
    getLastGlobalStart: () => later(undefined),
    listRuns: () => later([]),
    listDeadLetters: () => later([]),
  } as unknown as ReadDeps["store"];
}

function deps(over: Partial<EndpointDeps>): EndpointDeps & { jobs: Job[] } {
  const jobs: Job[] = [];
  return {
    jobs,
    clock: Date.now,
    publicKey: () => Promise.resolve(key),
    allowlist: () => Promise.resolve(parseAllowlist("user:111").allowlist),
    buttonKey: () => Promise.resolve(undefined),
    read: { store: slowStore(Promise.resolve()), settings: SETTINGS },
    answerWithinMs: 1500,
    timer: () => new Promise(() => {}),
    handOff: (job) => {
      jobs.push(job);
      return Promise.resolve();
    },
    log: quiet,
    ...over,
  };
}

const request = (body: unknown) => {
  const text = JSON.stringify(body);
  return { headers: signedHeaders(app.privateKey, text, Date.now()), body: Buffer.from(text) };
};

describe("Discord's 3-second budget", () => {
  it("defers a read the store is too slow for, and the follow-up answers once it is done", async () => {
    const store = gate();
    const budget = gate();
    const d = deps({
      read: { store: slowStore(store.opened), settings: SETTINGS },
      timer: () => budget.opened,
    });
    const answering = answerRequest(d, request(slashCommand(app, "status")));
    // The budget runs out while the store has not answered.
    budget.open();
    const answer = await answering;
    expect(JSON.parse(answer.body)).toEqual({ type: 5 });
    expect(d.jobs).toMatchObject([{ action: { name: "status" } }]);
    // The follow-up (another invocation on Lambda) edits the answer when the store answers.
    const edits: string[] = [];
    const followUp = completeJob(followUpDeps(d.read, edits), d.jobs[0] as Job);
    store.open();
    await followUp;
    expect(edits).toEqual(["No commands."]);
  });

  it("answers within the budget, on the real timer, while the store takes longer", async () => {
    const store = gate();
    const d = deps({
      read: { store: slowStore(store.opened), settings: SETTINGS },
      timer: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    const started = performance.now();
    const answer = await answerRequest(d, request(slashCommand(app, "why", { id: "x" })));
    const took = performance.now() - started;
    store.open();
    expect(JSON.parse(answer.body)).toEqual({ type: 5 });
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(3000);
  });

  it("answers at once when the store is quick", async () => {
    const answer = await answerRequest(deps({}), request(slashCommand(app, "status")));
    expect(JSON.parse(answer.body)).toMatchObject({ type: 4, data: { content: "No commands." } });
  });

  it("never waits on the store for an action that changes state: deferred at once", async () => {
    const d = deps({ read: { store: slowStore(new Promise(() => {})), settings: SETTINGS } });
    const answer = await answerRequest(d, request(slashCommand(app, "pause", { id: "a" })));
    expect(JSON.parse(answer.body)).toEqual({ type: 5 });
    expect(d.jobs).toMatchObject([{ action: { name: "pause", id: "a" }, allowed: true }]);
  });
});

function followUpDeps(read: ReadDeps, edits: string[], actions: ActionRecord[] = []): FollowUpDeps {
  return {
    read,
    store: {
      claimAction: (r) => {
        if (actions.some((a) => a.interactionId === r.interactionId)) return Promise.resolve(false);
        actions.push(r);
        return Promise.resolve(true);
      },
      finishAction: (k, result) => {
        Object.assign(actions.find((a) => a.interactionId === k.interactionId) ?? {}, result);
        return Promise.resolve();
      },
      listActions: () => Promise.resolve(actions),
      setPaused: () => Promise.resolve(),
      approveEscalation: () => Promise.resolve(true),
      ignorePullRequest: () => Promise.resolve(true),
    },
    clock: Date.now,
    edit: (_reply, content) => {
      edits.push(content);
      return Promise.resolve();
    },
    run: () => Promise.resolve(),
    redrive: () => Promise.resolve({ delivered: 0, failed: 0, total: 0 }),
    log: quiet,
  };
}

describe("a hand-off that fails", () => {
  it("answers an ephemeral error: nothing was done, and Discord is not left waiting", async () => {
    const d = deps({ handOff: () => Promise.reject(new Error("Lambda throttled")) });
    const answer = await answerRequest(d, request(slashCommand(app, "run", { id: "a" })));
    expect(JSON.parse(answer.body)).toMatchObject({
      type: 4,
      data: { content: "Could not start that; nothing was done. Try again.", flags: 64 },
    });
  });
});

describe("a follow-up", () => {
  it("does a replayed action once: the second finds its record and changes nothing", async () => {
    const i = parseInteraction(slashCommand(app, "pause", { id: "a" }));
    if (i?.kind !== "command") throw new Error("not a command");
    const job: Job = { action: i.action, context: i, allowed: true };
    const edits: string[] = [];
    const actions: ActionRecord[] = [];
    const paused: string[] = [];
    const d = followUpDeps(
      { store: slowStore(Promise.resolve()), settings: SETTINGS },
      edits,
      actions,
    );
    d.store.setPaused = (id) => {
      paused.push(id);
      return Promise.resolve();
    };
    await completeJob(d, job);
    await completeJob(d, job);
    expect(paused).toEqual(["a"]);
    expect(edits).toEqual(["Paused `a`."]);
    expect(actions).toMatchObject([{ action: "pause", outcome: "done", commandId: "a" }]);
  });
});
