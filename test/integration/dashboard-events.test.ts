import { afterEach, describe, expect, it } from "vitest";
import { type Dashboard, startDashboard } from "../../src/cli/dashboard/server.js";
import type { Snapshot } from "../../src/cli/dashboard/snapshot.js";
import { openEvents, statusWithHost } from "../support/dashboard.js";
import { waitFor } from "../support/wait.js";

/**
 * The dashboard's event stream (GET /events) on a real HTTP server in this process; what
 * it watches is a counter the test turns, so each read of "the store" can be counted.
 */

const noAction = async () => "not here";
const actions = { pause: noAction, resume: noAction, runOnce: noAction, redrive: noAction };

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

/** A dashboard whose watch reads `state.value`, counting the reads. */
async function watched() {
  const state = { value: "a", reads: 0 };
  dashboard = await startDashboard({
    port: 0,
    read: () => Promise.reject(new Error("no snapshot in this test")) as Promise<Snapshot>,
    actions,
    target: "test",
    watch: async () => {
      state.reads++;
      return state.value;
    },
  });
  const events = `http://127.0.0.1:${dashboard.port}/events?token=${dashboard.token}`;
  return { state, events, dashboard };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the dashboard's event stream", () => {
  it("says ready, then sends a change event within a second of a change, one per change", async () => {
    const { state, events } = await watched();
    const stream = await openEvents(events);
    expect(stream.status).toBe(200);
    await stream.next("ready", 0);
    const changedAt = Date.now();
    state.value = "b";
    const change = await stream.next("change", changedAt);
    expect(change.at - changedAt).toBeLessThan(1000);
    await pause(1200);
    expect(stream.events.filter((e) => e.event === "change")).toHaveLength(1);
    stream.close();
  });

  it("reads the store only while a stream is open: a closed stream leaves no timer", async () => {
    const { state, events } = await watched();
    await pause(700);
    expect(state.reads).toBe(0);
    const first = await openEvents(events);
    const second = await openEvents(events);
    await first.next("ready", 0);
    await second.next("ready", 0);
    first.close();
    const whileOne = state.reads;
    await waitFor("reads with one stream left", () => state.reads >= whileOne + 2, 3000);
    second.close();
    await pause(700);
    const after = state.reads;
    await pause(1200);
    expect(state.reads).toBe(after);
  });

  it("refuses the stream without the token or for another Host, and when nothing is watched", async () => {
    const { dashboard: d } = await watched();
    expect((await openEvents(`http://127.0.0.1:${d.port}/events`)).status).toBe(403);
    expect((await openEvents(`http://127.0.0.1:${d.port}/events?token=wrong`)).status).toBe(403);
    const rebound = await statusWithHost(
      `http://127.0.0.1:${d.port}/events?token=${d.token}`,
      `attacker.example:${d.port}`,
    );
    expect(rebound).toBe(403);
    await d.close();
    dashboard = await startDashboard({
      port: 0,
      read: () => Promise.reject(new Error("unused")) as Promise<Snapshot>,
      actions,
      target: "test",
    });
    const unwatched = `http://127.0.0.1:${dashboard.port}/events?token=${dashboard.token}`;
    expect((await openEvents(unwatched)).status).toBe(404);
  });

  it("closes open streams when the dashboard closes, promptly", async () => {
    const { events, dashboard: d } = await watched();
    const stream = await openEvents(events);
    await stream.next("ready", 0);
    const t0 = Date.now();
    await d.close();
    dashboard = undefined;
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
