// The three small rules of handing a claim to whatever runs it, each in one place:
// core/deadline.ts, core/claim-payload.ts, app/lease-check.ts.
import { describe, expect, it } from "vitest";
import { checkLease } from "../../src/lib/app/lease-check.js";
import { decodeClaim, encodeClaim, parseClaim } from "../../src/lib/core/claim-payload.js";
import type { Command, RunClaim } from "../../src/lib/core/command.js";
import {
  DeadlineError,
  earlyDeadline,
  runnerStopBy,
  stopBy,
  untilDeadline,
} from "../../src/lib/core/deadline.js";
import { spec, T0 } from "../support/commands.js";

const claim: RunClaim = {
  commandId: "a",
  runId: "run-1",
  startedAt: T0,
  leaseExpiresAt: T0 + 180_000,
  trigger: "schedule",
};

describe("the invocation's deadline", () => {
  it("is 5 s before Lambda's; runners stop 5 s before it, so their run is still recorded", () => {
    const deadline = earlyDeadline(T0, 60_000);
    expect(deadline.at).toBe(T0 + 55_000);
    expect(stopBy(deadline)).toBe(T0 + 55_000);
    expect(runnerStopBy(deadline)).toBe(T0 + 50_000);
  });

  it("has passed already when less than the margin is left, and is unbounded without Lambda", () => {
    expect(earlyDeadline(T0, 3_000).at).toBe(T0);
    expect(stopBy(undefined)).toBe(Number.POSITIVE_INFINITY);
    expect(runnerStopBy(undefined)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("stopping at the deadline's signal (handlers, as middy's timeoutEarly)", () => {
  const controlled = () => {
    const controller = new AbortController();
    return { controller, deadline: { at: T0, signal: controller.signal } };
  };

  it("ends work still running when the signal fires with an error naming it", async () => {
    const { controller, deadline } = controlled();
    const never = new Promise<string>(() => {});
    const raced = untilDeadline(never, deadline, "runCommand");
    controller.abort();
    await expect(raced).rejects.toBeInstanceOf(DeadlineError);
    await expect(raced).rejects.toThrow(
      "runCommand was still running 5 s before Lambda's deadline; stopped",
    );
  });

  it("gives the work's own result or error when it ends first, and then lets the signal go", async () => {
    const { controller, deadline } = controlled();
    await expect(untilDeadline(Promise.resolve("done"), deadline, "tick")).resolves.toBe("done");
    await expect(untilDeadline(Promise.reject(new Error("own")), deadline, "tick")).rejects.toThrow(
      "own",
    );
    // A listener left behind would now reject a promise nobody awaits: vitest fails the
    // run on that unhandled rejection.
    controller.abort();
    await expect(untilDeadline(Promise.resolve(1), undefined, "tick")).resolves.toBe(1);
  });

  it("fails at once when the deadline has already passed", async () => {
    const { controller, deadline } = controlled();
    controller.abort();
    await expect(untilDeadline(new Promise(() => {}), deadline, "tick")).rejects.toBeInstanceOf(
      DeadlineError,
    );
  });
});

describe("the claim payload", () => {
  it("carries exactly the claim's fields, and a receiver reads back what was sent", () => {
    const text = encodeClaim({ ...claim, extra: "dropped" } as RunClaim);
    expect(JSON.parse(text)).toEqual(claim);
    expect(decodeClaim(text)).toEqual({ ok: true, claim });
    expect(parseClaim(JSON.parse(text))).toEqual({ ok: true, claim });
  });

  it("names what is wrong with a payload that is no claim", () => {
    const bad = decodeClaim(JSON.stringify({ ...claim, trigger: "whenever" }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toMatch(/^trigger: /);
    expect(decodeClaim("not json").ok).toBe(false);
  });
});

describe("the lease pre-check", () => {
  const stored = (state: Partial<Command> | undefined) => ({
    getCommand: async () => (state ? ({ ...spec("a"), ...state } as Command) : undefined),
  });

  it("lets the claim run while its lease is held and not yet started", async () => {
    expect(await checkLease(stored({ leaseRunId: "run-1" }), claim)).toMatchObject({ held: true });
  });

  it("refuses a removed command, a lease that moved on, and a started redelivery", async () => {
    expect(await checkLease(stored(undefined), claim)).toEqual({
      held: false,
      reason: "command a does not exist (removed)",
    });
    expect(await checkLease(stored({ leaseRunId: "run-2" }), claim)).toEqual({
      held: false,
      reason: "the lease belongs to run run-2 now",
    });
    expect(await checkLease(stored({}), claim)).toEqual({
      held: false,
      reason: "the lease was released (recovered or finished)",
    });
    expect(
      await checkLease(stored({ leaseRunId: "run-1", leaseWorker: "pid:1@h" }), claim),
    ).toMatchObject({ held: false, startedBy: "pid:1@h" });
  });
});
