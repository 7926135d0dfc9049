import { describe, expect, it } from "vitest";
import { updateExpression } from "../../src/lib/adapters/dynamodb/run-items.js";
import {
  claimLease,
  type ClaimRequest,
  finishRun,
  recoverExpiredLease,
  renewLease,
  startRun,
} from "../../src/lib/app/run-protocol.js";
import type { RunClaim, RunRecord } from "../../src/lib/core/command.js";
import type { RunItems, WriteOutcome } from "../../src/lib/core/ports.js";

/**
 * The run protocol over a double of its three primitives: the order of its writes, and
 * the DynamoDB expressions they become, which are the ones the adapter wrote by hand
 * before the protocol moved to app/ (the same conditions and attributes, so the same
 * IAM decisions).
 */

const LEASE = "leaseRunId, leaseOwner, leaseExpiresAt, leaseWorker, leaseRenewedAt, leaseRenewals";

/** Records every primitive call; a command write holds unless `lose` says otherwise. */
function recordingItems(lose = false) {
  const calls: string[] = [];
  const expressions: { update: string; condition: string }[] = [];
  const items: RunItems = {
    maxRunHistory: 3,
    updateCommandIf: async (id, change, when): Promise<WriteOutcome> => {
      const e = updateExpression(change, when);
      expressions.push({ update: e.UpdateExpression, condition: e.ConditionExpression });
      calls.push(`update ${id}`);
      return { written: !lose };
    },
    putRun: async (run, opts) => {
      calls.push(`put ${run.runId}${run.late ? " late" : ""}${opts?.ifAbsent ? " if-absent" : ""}`);
      return true;
    },
    deleteRunsBeyond: async (id, keep) => {
      calls.push(`prune ${id} ${keep}`);
    },
  };
  return { items, calls, expressions };
}

const claim: RunClaim = {
  commandId: "c",
  runId: "r",
  startedAt: 1,
  leaseExpiresAt: 2,
  trigger: "schedule",
};
const run = {
  commandId: "c",
  runId: "r",
  startedAt: 1,
  endedAt: 9,
  exitCode: 0,
  durationMs: 8,
  outcome: "success",
} as RunRecord;
const request = (expectedLastStartAt: ClaimRequest["expectedLastStartAt"]): ClaimRequest => ({
  runId: "r",
  owner: "o",
  now: 1,
  expiresAt: 2,
  expectedLastStartAt,
  schedule: { dueAt: 3, virtualFinish: 4 },
});

describe("the run protocol's writes", () => {
  it("claims with the optimistic start check, the pause check, or neither", async () => {
    const { items, expressions } = recordingItems();
    await claimLease(items, "c", request(5));
    await claimLease(items, "c", request(undefined));
    await claimLease(items, "c", request("any"));
    const set =
      "SET leaseRunId = :s0, leaseOwner = :s1, leaseExpiresAt = :s2, lastStartAt = :s3, lastRunId = :s4, dueAt = :s5, virtualFinish = :s6";
    expect(expressions).toEqual([
      {
        update: set,
        condition:
          "attribute_exists(pk) AND attribute_not_exists(leaseRunId) AND lastStartAt = :c7 AND (attribute_not_exists(paused) OR paused = :c8)",
      },
      {
        update: set,
        condition:
          "attribute_exists(pk) AND attribute_not_exists(leaseRunId) AND attribute_not_exists(lastStartAt) AND (attribute_not_exists(paused) OR paused = :c7)",
      },
      { update: set, condition: "attribute_exists(pk) AND attribute_not_exists(leaseRunId)" },
    ]);
  });

  it("marks the start and renews on the holder, one write each", async () => {
    const { items, expressions } = recordingItems();
    expect(await startRun(items, claim, "w", 1, 2)).toBe(true);
    expect(await renewLease(items, claim, 1, 2)).toBe(true);
    expect(expressions).toEqual([
      {
        update:
          "SET leaseWorker = :s0, leaseRenewedAt = :s1, leaseExpiresAt = :s2, leaseRenewals = :s3",
        condition:
          "leaseRunId = :c4 AND leaseExpiresAt > :c5 AND attribute_not_exists(leaseWorker)",
      },
      {
        update: "SET leaseExpiresAt = :s0, leaseRenewedAt = :s1 ADD leaseRenewals :a2",
        condition: "leaseRunId = :c3",
      },
    ]);
  });

  it("records the run, prunes, then releases the lease", async () => {
    const { items, calls, expressions } = recordingItems();
    expect(await finishRun(items, claim, run)).toBe(true);
    expect(calls).toEqual(["put r", "prune c 3", "update c"]);
    expect(expressions).toEqual([
      {
        update: `SET lastEndAt = :s0, lastExitCode = :s1, lastDurationMs = :s2, lastOutcome = :s3 REMOVE ${LEASE}`,
        condition: "leaseRunId = :c4",
      },
    ]);
  });

  it("a late finisher keeps its record, marked late, and leaves the command alone", async () => {
    const { items, calls, expressions } = recordingItems(true);
    const failed = { ...run, exitCode: null, outcome: "error" } as RunRecord;
    expect(await finishRun(items, claim, failed)).toBe(false);
    expect(calls).toEqual(["put r", "prune c 3", "update c", "put r late", "prune c 3"]);
    expect(expressions[0]?.update).toBe(
      `SET lastEndAt = :s0, lastDurationMs = :s1, lastOutcome = :s2 REMOVE lastExitCode, ${LEASE}`,
    );
  });

  it("recovers an expired lease after writing the abandoned record only if absent", async () => {
    const { items, calls, expressions } = recordingItems();
    expect(await recoverExpiredLease(items, { id: "c" }, run, 7)).toBe(true);
    expect(calls).toEqual(["put r if-absent", "prune c 3", "update c"]);
    expect(expressions).toEqual([
      {
        update: `SET lastEndAt = :s0, lastOutcome = :s1 REMOVE ${LEASE}, lastExitCode, lastDurationMs`,
        condition: "leaseRunId = :c2 AND leaseExpiresAt < :c3",
      },
    ]);
  });
});
