import { describe, expect, it } from "vitest";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import { leaseExpiry } from "../../src/lib/core/run-record.js";
import { runTick } from "../../src/lib/app/tick.js";
import { MINUTE, spec, T0 } from "../support/commands.js";
import { createTestTable, type TestTable } from "../support/store.js";
import { tickDeps } from "../support/tick.js";
import { report } from "./report.js";
import { storeBehindProxy } from "./store-proxy.js";

const fx = storeBehindProxy();

const ENV = { AMPA_LEASE_TTL_SECONDS: "60", AMPA_LEASE_RENEW_SECONDS: "20" };

/** A table with two due commands, and a Store that reaches it only through the proxy. */
async function setup(): Promise<{ t: TestTable; viaProxy: Store }> {
  const t = await createTestTable(fx.server.endpoint, ENV);
  await t.store.addCommand(spec("a", { maxRuntimeMinutes: 1, priority: 1 }), T0 - MINUTE);
  await t.store.addCommand(spec("b", { maxRuntimeMinutes: 1 }), T0 - MINUTE);
  const viaProxy = fx.viaProxy(t);
  return { t, viaProxy };
}

describe("store unreachable for part of a tick", () => {
  it("fails the tick with a clear error at every request, leaks no lease past its expiry, and the next tick recovers", async () => {
    // How many requests a whole tick makes (it runs `a` inline: claim, run, record).
    const probe = await setup();
    const before = fx.proxy.requests();
    await runTick(tickDeps(probe.viaProxy, probe.t.config, { now: T0 }), T0);
    const requestsPerTick = fx.proxy.requests() - before;

    const outcomes: { cutAt: number; error: string; leaseHeld: boolean; recovered: boolean }[] = [];
    let startedByBroken = 0;
    for (let cutAt = 1; cutAt <= requestsPerTick; cutAt++) {
      const { t, viaProxy } = await setup();
      fx.proxy.cutAtNext(cutAt);
      const broken = tickDeps(viaProxy, t.config, { now: T0 });
      const error = await runTick(broken, T0).then(
        () => "",
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      expect(fx.proxy.isCut(), `cut at request ${cutAt}`).toBe(true);
      await fx.proxy.restore();

      // Read directly, not through the proxy: what did the broken tick leave behind?
      const { commands } = await t.store.listCommands();
      const a = commands.find((c) => c.id === "a");
      const leaseHeld = a?.leaseRunId !== undefined;
      if (leaseHeld)
        expect(a?.leaseExpiresAt).toBe(
          leaseExpiry(spec("a", { maxRuntimeMinutes: 1 }), T0, t.config),
        );
      expect(commands.filter((c) => c.id === "b" && c.leaseRunId !== undefined)).toEqual([]);

      // The next tick once any lease has expired starts a command, the tick after it the
      // other one; a run the broken tick had started is on record (finished or abandoned).
      const recovered: string[] = [];
      for (const at of [T0 + MINUTE + 1, T0 + 2 * MINUTE + 1]) {
        const deps = tickDeps(viaProxy, t.config, { now: at });
        await runTick(deps, at);
        recovered.push(...deps.starts.map((s) => s.commandId));
      }
      startedByBroken += broken.starts.length;
      outcomes.push({ cutAt, error, leaseHeld, recovered: recovered.sort().join() === "a,b" });
      if (error !== "")
        expect(error).toMatch(/^The DynamoDB store is unreachable \(table ampa-test-/);
      const runs = await t.store.listRuns("a");
      // Every run the broken tick started is on record: none lost.
      for (const start of broken.starts) expect(runs.map((r) => r.runId)).toContain(start.runId);
      expect(runs.every((r) => ["success", "abandoned"].includes(r.outcome))).toBe(true);
      const after = await t.store.listCommands();
      expect(after.commands.filter((c) => c.leaseRunId !== undefined)).toEqual([]);
    }
    report("store listener stopped mid-tick", {
      runsStartedByBrokenTicks: startedByBroken,
      requestsPerTick,
      cutPoints: outcomes.length,
      ticksFailed: outcomes.filter((o) => o.error !== "").length,
      leasesLeftUntilExpiry: outcomes.filter((o) => o.leaseHeld).length,
      recoveredNextTick: outcomes.filter((o) => o.recovered).length,
    });
    expect(outcomes.filter((o) => o.recovered)).toHaveLength(outcomes.length);
    // Every cut fails the tick except ones at its last two requests, the run counter and
    // the result hash (post only what changed), which are logged and dropped: the run
    // itself is already on record by then.
    expect(outcomes.filter((o) => o.error === "").map((o) => o.cutAt)).toEqual([
      requestsPerTick - 1,
      requestsPerTick,
    ]);
  });
});
