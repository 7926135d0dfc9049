import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deliverToWebhook } from "../../src/lib/adapters/discord.js";
import { runTool } from "../../src/lib/adapters/process/tool.js";
import { renderMetrics } from "../../src/lib/adapters/prometheus.js";
import { webhookSource } from "../../src/lib/adapters/ssm-webhook.js";
import { Notifier } from "../../src/lib/app/notify/notifier.js";
import { ESCALATED_TAG, ESCALATION_TITLE } from "../../src/lib/app/worklog/attempts.js";
import { DEFAULT_SETTINGS } from "../../src/lib/app/worklog/checks.js";
import { BUILT_IN_AGENTS } from "../../src/lib/app/agents/profiles.js";
import { runDelegationWorkflow } from "../../src/lib/app/worklog/workflows.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { createDoubles, delegable, type Doubles, doublesOnPath } from "../support/doubles.js";
import { tablePerTest } from "../support/harness.js";
import { capturingLogger } from "../support/logger.js";
import { type FakeWebhook, startFakeWebhook } from "../support/webhook-server.js";

/**
 * Bounded re-dispatch (app/worklog/attempts.ts) through the delegation command's workflow:
 * the wl and opencode doubles as real programs on PATH, claims in a real table on
 * dynalite, posts to a real webhook server, and a fake clock for the backoff.
 */

const table = tablePerTest();
const useDoubles = doublesOnPath();
const webhooks: FakeWebhook[] = [];
afterEach(async () => {
  await Promise.all(webhooks.splice(0).map((w) => w.close()));
});

const MIN = 60_000;
const STALE = DEFAULT_SETTINGS.staleAfterMs;
const T0 = Date.parse("2026-12-01T09:00:00Z");

async function harness(d: Doubles) {
  useDoubles(d);
  const webhook = await startFakeWebhook();
  webhooks.push(webhook);
  const { config } = parseConfig({ AMPA_DISCORD_WEBHOOK: webhook.url });
  const clock = { now: T0 };
  const notifier = new Notifier({
    store: table.store,
    webhook: webhookSource(config, { useSsm: false }),
    deliver: deliverToWebhook,
    config,
    log: capturingLogger().log,
    clock: () => clock.now,
    sleep: async () => {},
  });
  let runs = 0;
  /** One run of a delegation command at the clock's time (no report post: only escalations). */
  const delegate = async () => {
    runs += 1;
    const outcome = await runDelegationWorkflow(
      {
        agent: BUILT_IN_AGENTS.opencode,
        cwd: d.dir,
        wlTimeoutMs: 10_000,
        // The run's deadline on the fake clock: what the agent and wl may take.
        deadline: clock.now + 60_000,
        clock: () => clock.now,
        notifier,
        runTool,
      },
      {
        post: false,
        live: true,
        settings: DEFAULT_SETTINGS,
        claim: { commandId: "delegate", runId: `run-${runs}`, assignee: "ampa" },
        dispatchStore: table.store,
        counters: table.store,
      },
    );
    return outcome.live?.note ?? outcome.output;
  };
  const agentRuns = () => d.calls().filter((c) => c.program === "opencode").length;
  const posts = () => webhook.requests.map((r) => JSON.parse(r.body) as { content: string });
  const item = (id: string) => d.wlState().items.find((i) => i.id === id);
  const comments = (id: string) =>
    (d.wlState().comments[id] ?? []).map((c) => String((c as { comment: string }).comment));
  const record = async (id: string) =>
    (await table.store.listDispatches()).find((r) => r.workItemId === id);
  return { clock, delegate, agentRuns, posts, item, comments, record };
}

const person = (d: Doubles, args: string[]) => {
  useDoubles(d);
  return runTool("wl", args, { cwd: d.dir, timeoutMs: 10_000 });
};

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await table.store.listMetrics()).find(
    (m) => m.name === name && JSON.stringify(m.labels) === JSON.stringify(labels),
  );
  return metric?.value ?? 0;
}

describe("bounded re-dispatch", () => {
  it("dispatches a do-nothing agent max_attempts times with the backoff between, then escalates once and stops", async () => {
    const d = createDoubles({ wl: { items: [delegable({ id: "SA-1", title: "Fix login" })] } });
    const h = await harness(d);

    expect(await h.delegate()).toBe("Delegation: dispatched intake SA-1");
    // Put back at once: unclaimed, still open at idea; the claim is released.
    expect(h.item("SA-1")).toMatchObject({ status: "open", stage: "idea", assignee: "" });
    expect(await h.record("SA-1")).toMatchObject({
      attempt: 1,
      outcome: "unmoved",
      releaseReason: "did not move (unmoved)",
    });

    // The first backoff is one stale period (120 minutes) from the end of the attempt.
    h.clock.now = T0 + STALE - MIN;
    expect(await h.delegate()).toMatch(/no candidate passes the checks: SA-1: attempts \(1 of 3/);
    h.clock.now = T0 + STALE;
    expect(await h.delegate()).toBe("Delegation: dispatched intake SA-1");
    const second = T0 + STALE;

    // The second backoff is two stale periods.
    h.clock.now = second + 2 * STALE - MIN;
    expect(await h.delegate()).toMatch(/attempts \(2 of 3 dispatch\(es\) for intake/);
    h.clock.now = second + 2 * STALE;
    expect(await h.delegate()).toBe("Delegation: dispatched intake SA-1");
    expect(h.agentRuns()).toBe(3);

    // The third did not move it either: escalated, with one comment and one post.
    const escalated = await h.record("SA-1");
    expect(escalated).toMatchObject({
      attempt: 3,
      attemptRuns: ["run-1", "run-3", "run-5"],
      outcome: "unmoved",
      releaseReason: "escalated",
    });
    // wl 0.0.1 stores `open` for `--status blocked` without dependency edges: tagged instead.
    expect(h.item("SA-1")).toMatchObject({ status: "open", assignee: "" });
    expect(h.item("SA-1")?.tags).toContain(ESCALATED_TAG);
    const notes = h.comments("SA-1").filter((c) => c.startsWith("AMPA stopped dispatching"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("runs run-1, run-3, run-5");
    const escalations = h.posts().filter((p) => p.content.startsWith(`# ${ESCALATION_TITLE}`));
    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.content).toContain("SA-1");

    // Never again while nobody changes it, however long it waits.
    for (const days of [1, 30]) {
      h.clock.now = second + 2 * STALE + days * 24 * 60 * MIN;
      expect(await h.delegate()).toMatch(/SA-1: attempts \(escalated after 3 dispatch/);
    }
    expect(h.agentRuns()).toBe(3);
    expect(h.posts().filter((p) => p.content.startsWith(`# ${ESCALATION_TITLE}`))).toHaveLength(1);

    expect(
      await counter("ampa_dispatch_attempts_total", { action: "intake", outcome: "unmoved" }),
    ).toBe(3);
    expect(await counter("ampa_items_escalated_total")).toBe(1);
    const metrics = await renderMetrics({
      commands: [],
      runtimeOf: () => "function",
      corruptItems: 0,
      stored: await table.store.listMetrics(),
      notify: {},
      deadLetters: 0,
      now: h.clock.now,
    });
    expect(metrics.body).toContain(
      'ampa_dispatch_attempts_total{action="intake",outcome="unmoved"} 3',
    );
    expect(metrics.body).toContain("ampa_items_escalated_total 1");

    // A person's change (here: the tag taken off) releases it, with a fresh count.
    expect((await person(d, ["update", "SA-1", "--tags", "triaged"])).exitCode).toBe(0);
    expect(await h.delegate()).toBe("Delegation: dispatched intake SA-1");
    expect(await h.record("SA-1")).toMatchObject({ attempt: 1, attemptRuns: ["run-8"] });
  });

  it("resets the count when a run moves its item, and restores the status its claim set", async () => {
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-2", stage: "intake_complete" })] },
    });
    const h = await harness(d);
    expect(await h.delegate()).toBe("Delegation: dispatched plan SA-2");
    // The claim set in-progress (allowed at intake_complete); the put-back restores open.
    expect(h.item("SA-2")).toMatchObject({ status: "open", assignee: "" });
    expect(await h.record("SA-2")).toMatchObject({ attempt: 1, outcome: "unmoved" });

    // The second agent plans the item: it moves to plan_complete.
    writeFileSync(
      join(d.dir, "opencode.json"),
      JSON.stringify({
        default: {
          stdout: "planned\n",
          wl: [["update", "SA-2", "--status", "open", "--stage", "plan_complete"]],
        },
      }),
    );
    h.clock.now = T0 + STALE;
    expect(await h.delegate()).toBe("Delegation: dispatched plan SA-2");
    expect(await h.record("SA-2")).toMatchObject({ attempt: 2, outcome: "moved" });
    // Moved on: implemented at once, counted from one again.
    expect(await h.delegate()).toBe("Delegation: dispatched implement SA-2");
    expect(await h.record("SA-2")).toMatchObject({ action: "implement", attempt: 1 });
    expect(
      await counter("ampa_dispatch_attempts_total", { action: "plan", outcome: "moved" }),
    ).toBe(1);
  });

  it("counts a failed agent, and judges a run that never ended at the next delegation", async () => {
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-3" }), delegable({ id: "SA-4", sortIndex: 200 })] },
      opencode: { default: { stderr: "model overloaded\n", exit: 1 } },
    });
    const h = await harness(d);
    expect(await h.delegate()).toMatch(/^Delegation: dispatch of intake SA-3 failed/);
    expect(await h.record("SA-3")).toMatchObject({ attempt: 1, outcome: "failed" });
    expect(
      await counter("ampa_dispatch_attempts_total", { action: "intake", outcome: "failed" }),
    ).toBe(1);

    // A run that was killed: its claim stays, unjudged, until it goes stale.
    await table.store.claimDispatch(
      {
        workItemId: "SA-4",
        action: "intake",
        stage: "idea",
        commandId: "delegate",
        runId: "killed-run",
        assignee: "ampa",
        dispatchedAt: T0 - STALE - MIN,
        status: "open",
        attempt: 1,
        attemptRuns: ["killed-run"],
      },
      0,
    );
    await person(d, ["update", "SA-4", "--assignee", "ampa"]);
    // SA-3 waits out its backoff; SA-4's stale claim is judged failed and put back first.
    expect(await h.delegate()).toMatch(/SA-4: attempts \(1 of 3/);
    expect(await h.record("SA-4")).toMatchObject({
      outcome: "failed",
      releaseReason: "did not move (failed)",
    });
    expect(h.item("SA-4")).toMatchObject({ assignee: "" });
  });

  it("leaves the item at status blocked where Worklog stores it, and a person's change releases it", async () => {
    // An item with a (closed) dependency edge: wl keeps `blocked` on it.
    const d = createDoubles({
      wl: {
        items: [
          delegable({ id: "SA-5" }),
          delegable({ id: "SA-6", status: "completed", stage: "done" }),
        ],
        deps: [{ fromId: "SA-5", toId: "SA-6" }],
      },
    });
    const h = await harness(d);
    for (const after of [0, STALE, 2 * STALE]) {
      h.clock.now += after;
      expect(await h.delegate()).toBe("Delegation: dispatched intake SA-5");
    }
    expect(h.item("SA-5")).toMatchObject({ status: "blocked", assignee: "" });
    expect(h.item("SA-5")?.tags).not.toContain(ESCALATED_TAG);
    expect(h.comments("SA-5").at(-1)).toContain("(status blocked)");
    h.clock.now += 7 * 24 * 60 * MIN;
    expect(await h.delegate()).toMatch(/SA-5: .*attempts \(escalated/);
    expect((await person(d, ["update", "SA-5", "--status", "open"])).exitCode).toBe(0);
    expect(await h.delegate()).toBe("Delegation: dispatched intake SA-5");
    expect(h.agentRuns()).toBe(4);
  });
});
