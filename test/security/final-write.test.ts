import { describe, expect, it } from "vitest";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import { executeClaim, runOnce } from "../../src/lib/app/run.js";
import { claimCommand, finishRun } from "../../src/lib/app/run-protocol.js";
import { finishRunDurably } from "../../src/lib/app/final-write.js";
import { createRunners } from "../../src/lib/app/commands/registry.js";
import { tickPass } from "../../src/lib/app/tick.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import { registerSecret } from "../../src/lib/core/secrets.js";
import { isRetryableStoreError, ResultNotRecordedError } from "../../src/lib/core/store-errors.js";
import { StoreUnavailableError } from "../../src/lib/core/errors.js";
import { runRecord } from "../../src/lib/core/run-record.js";
import { MINUTE, must, spec, T0 } from "../support/commands.js";
import { capturingLogger } from "../support/logger.js";
import { createTestTable, type TestTable } from "../support/store.js";
import { tickDeps } from "../support/tick.js";
import { storeBehindProxy } from "../faults/store-proxy.js";

/**
 * A finished run is never lost: when the store will not take its final write (the run
 * record and the lease release), the write is retried with backoff; when it still fails,
 * the redacted result is logged as one line and the lease expires into an abandoned run
 * whose note points at that line. The store is real (dynalite) and reached through a TCP
 * proxy that is cut exactly at the final write.
 */

const SECRET = "final-write-secret-3f9c1a7e";
registerSecret(SECRET);

const fx = storeBehindProxy();

/** A clock that only the fake sleep moves, and the sleeps it was asked for. */
function fakeTime(start: number, onSleep: (n: number) => Promise<void> = async () => {}) {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
      await onSleep(sleeps.length);
    },
  };
}

/** A table with one hourly shell command printing `hello` and the secret, claimed at T0. */
async function claimed(): Promise<{ t: TestTable; viaProxy: Store; claim: ClaimOf }> {
  if (fx.proxy.isCut()) await fx.proxy.restore();
  const t = await createTestTable(fx.server.endpoint);
  await t.store.addCommand(
    spec("leaky", { command: `printf 'hello\\ntoken=%s\\n' ${SECRET}`, frequencyMinutes: 60 }),
    T0 - MINUTE,
  );
  const viaProxy = fx.viaProxy(t);
  const command = must(await t.store.getCommand("leaky"));
  const claim = must(
    await claimCommand(t.store, command, {
      now: T0,
      owner: "test",
      trigger: "schedule",
      config: t.config,
    }),
  );
  return { t, viaProxy, claim: { command, claim } };
}
type ClaimOf = {
  command: NonNullable<Awaited<ReturnType<Store["getCommand"]>>>;
  claim: NonNullable<Awaited<ReturnType<typeof claimCommand>>>;
};

const notRecorded = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.msg === "run result not recorded");

describe("the final write of a run", () => {
  it("store down at the final write: the redacted result is logged as one line, and the expired lease becomes an abandoned run pointing at it", async () => {
    const { t, viaProxy, claim } = await claimed();
    const { log, lines } = capturingLogger();
    const time = fakeTime(T0);
    // Request 1 through the proxy is the start mark; request 2 is the run record.
    fx.proxy.cutAtNext(2);
    const deps = {
      store: viaProxy,
      config: t.config,
      log,
      runners: createRunners(processes),
      ...time,
    };
    const failed = await executeClaim(deps, claim.command, claim.claim).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(fx.proxy.isCut()).toBe(true);
    expect(failed).toBeInstanceOf(ResultNotRecordedError);
    // The CLI prints this output before the error: redacted too.
    expect((failed as ResultNotRecordedError).run.output).toBe("hello\ntoken=****\n");
    expect(time.sleeps.length).toBeGreaterThan(0);

    const logged = notRecorded(lines());
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 50,
      commandId: "leaky",
      runId: claim.claim.runId,
      exitCode: 0,
      outcome: "success",
      output: "hello\ntoken=****\n",
    });
    expect(JSON.stringify(lines())).not.toContain(SECRET);

    // The lease was never released: once it expires, a tick records the run abandoned
    // with a note that names the log line and the run id.
    const held = must(await t.store.getCommand("leaky"));
    expect(held.leaseRunId).toBe(claim.claim.runId);
    const at = must(held.leaseExpiresAt) + 1;
    await tickPass(tickDeps(t.store, t.config, { now: at }), at);
    const [run] = await t.store.listRuns("leaky");
    expect(run).toMatchObject({ runId: claim.claim.runId, outcome: "abandoned" });
    expect(run?.output).toContain(
      `its result is in the worker's log: the line "run result not recorded" with runId ${claim.claim.runId}`,
    );
    expect(must(await t.store.getCommand("leaky")).leaseRunId).toBeUndefined();
  });

  it("store down for the first two attempts: the run is recorded normally after retries", async () => {
    const { t, viaProxy, claim } = await claimed();
    const { log, lines } = capturingLogger();
    // The store comes back during the second wait: attempts 1 and 2 fail, 3 succeeds.
    const time = fakeTime(T0, async (n) => {
      if (n === 2) await fx.proxy.restore();
    });
    fx.proxy.cutAtNext(2);
    const run = await executeClaim(
      { store: viaProxy, config: t.config, log, runners: createRunners(processes), ...time },
      claim.command,
      claim.claim,
    );
    expect(run).toMatchObject({ outcome: "success", exitCode: 0 });
    expect(time.sleeps).toHaveLength(2);
    // Backoff: jittered within [step/2, step), growing.
    expect(time.sleeps[0]).toBeGreaterThanOrEqual(125);
    expect(time.sleeps[0]).toBeLessThan(250);
    expect(time.sleeps[1]).toBeGreaterThanOrEqual(250);
    expect(time.sleeps[1]).toBeLessThan(500);
    expect(lines().filter((l) => l.msg === "could not record the run; retrying")).toHaveLength(2);
    expect(notRecorded(lines())).toEqual([]);
    const [stored] = await t.store.listRuns("leaky");
    expect(stored).toMatchObject({ runId: claim.claim.runId, outcome: "success", exitCode: 0 });
    // (Redaction of stored records is another boundary's: see test/security on redaction.)
    expect(stored?.output).toMatch(/^hello\n/);
    expect(must(await t.store.getCommand("leaky")).leaseRunId).toBeUndefined();
  });

  it("run-once with the store down at the final write rejects with the redacted result", async () => {
    const { t, viaProxy, claim } = await claimed();
    // Release the test's claim so run-once can take the lease.
    await finishRun(t.store, claim.claim, runRecord(claim.claim, okResult, T0));
    const { log } = capturingLogger();
    // run-once: getCommand, claimLease, startRun pass; the run record is the 4th request.
    fx.proxy.cutAtNext(4);
    const err = await runOnce(
      {
        store: viaProxy,
        config: t.config,
        log,
        runners: createRunners(processes),
        ...fakeTime(T0 + 2 * 60 * MINUTE),
      },
      "leaky",
      "cli:test",
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ResultNotRecordedError);
    expect((err as ResultNotRecordedError).message).toContain("run result not recorded");
    expect((err as ResultNotRecordedError).run.output).toBe("hello\ntoken=****\n");
  });
});

const okResult = { exitCode: 0, outcome: "success" as const, output: "" };

describe("what the final write retries", () => {
  const run = runRecord(
    { commandId: "c", runId: "r", startedAt: T0, trigger: "schedule" },
    { exitCode: 0, outcome: "success", output: "out" },
    T0 + 1,
  );
  const claim = {
    commandId: "c",
    runId: "r",
    startedAt: T0,
    leaseExpiresAt: T0 + MINUTE,
    trigger: "schedule" as const,
  };
  const named = (name: string, extra: object = {}) =>
    Object.assign(new Error(name), { name, ...extra });

  it("retries unreachable, throttled and 5xx answers; not a refused item or a failed condition", () => {
    expect(isRetryableStoreError(new StoreUnavailableError("x", new Error("refused")))).toBe(true);
    expect(isRetryableStoreError(named("ProvisionedThroughputExceededException"))).toBe(true);
    expect(isRetryableStoreError(named("ThrottlingException"))).toBe(true);
    expect(isRetryableStoreError(named("X", { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isRetryableStoreError(named("ValidationException"))).toBe(false);
    expect(isRetryableStoreError(named("ConditionalCheckFailedException"))).toBe(false);
  });

  // A port double: no local store refuses an item this way on demand.
  it("a refused item is logged after one attempt; a lost lease (late finisher) is not retried", async () => {
    let calls = 0;
    const { log, lines } = capturingLogger();
    const refusing = {
      finishRun: async () => {
        calls++;
        throw named("ValidationException");
      },
    };
    const time = fakeTime(T0);
    await expect(
      finishRunDurably({ store: refusing, log, ...time }, claim, run, T0 + MINUTE),
    ).rejects.toBeInstanceOf(ResultNotRecordedError);
    expect(calls).toBe(1);
    expect(notRecorded(lines())).toHaveLength(1);

    calls = 0;
    const late = { finishRun: async () => (calls++, false) };
    expect(await finishRunDurably({ store: late, log, ...time }, claim, run, T0 + MINUTE)).toBe(
      false,
    );
    expect(calls).toBe(1);
    expect(time.sleeps).toEqual([]);
  });

  it("stops retrying at the deadline", async () => {
    let calls = 0;
    const { log } = capturingLogger();
    const throttled = {
      finishRun: async () => {
        calls++;
        throw named("ThrottlingException");
      },
    };
    const time = fakeTime(T0);
    await expect(
      finishRunDurably({ store: throttled, log, ...time }, claim, run, T0 + 1_000),
    ).rejects.toBeInstanceOf(ResultNotRecordedError);
    expect(time.clock()).toBeLessThan(T0 + 1_000);
    expect(calls).toBeLessThan(8);
  });
});
