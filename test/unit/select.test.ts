import { describe, expect, it, vi } from "vitest";
import {
  decide,
  dueToleranceMs,
  rankDue,
  runnableCandidates,
  type SelectionOptions,
  score,
} from "../../src/lib/core/scheduler/select.js";
import { command, MINUTE, T0 } from "../support/commands.js";

const opts: SelectionOptions = {
  priorityWeight: 0.1,
  globalMinIntervalMs: 60_000,
  dueToleranceMs: 30_000,
};
const ids = (ranked: { command: { id: string } }[]) => ranked.map((r) => r.command.id);
/** The ranked candidates alone, at virtual time 0. */
const due = (...args: Parameters<typeof rankDue>) => rankDue(...args).candidates;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("score", () => {
  it("is the seed's normalized lateness times the priority factor, evaluated half a tick ahead", () => {
    // 10-minute command started 15 minutes ago: lateness 5 min (+0.5 min tolerance) over 10 min.
    const c = command("a", { frequencyMinutes: 10, priority: 3, lastStartAt: T0 - 15 * MINUTE });
    expect(score(c, T0, opts)).toBeCloseTo((5.5 / 10) * (1 + 0.1 * 3), 10);
  });

  it("is zero, not negative, for a command that is not yet due", () => {
    expect(score(command("a", { frequencyMinutes: 10, lastStartAt: T0 - MINUTE }), T0, opts)).toBe(
      0,
    );
  });
});

describe("rankDue", () => {
  it("selects the never-run command before a recently-run one", () => {
    const ranked = due(
      [command("recent", { lastStartAt: T0 - 2 * MINUTE, priority: 9 }), command("fresh")],
      T0,
      opts,
    );
    expect(ids(ranked)).toEqual(["fresh", "recent"]);
  });

  it("leaves out a command run less than one interval ago", () => {
    const ranked = due(
      [command("recent", { frequencyMinutes: 10, lastStartAt: T0 - 2 * MINUTE })],
      T0,
      opts,
    );
    expect(ranked).toEqual([]);
  });

  it("ranks an overdue 1-minute command above a 10-minute one started at the same time", () => {
    const startedAt = T0 - 12 * MINUTE;
    const ranked = due(
      [
        command("ten", { frequencyMinutes: 10, lastStartAt: startedAt }),
        command("one", { frequencyMinutes: 1, lastStartAt: startedAt }),
      ],
      T0,
      opts,
    );
    expect(ids(ranked)).toEqual(["one", "ten"]);
  });

  it("counts a 1-minute command as due at a tick that fires 59.5 s after its last start", () => {
    expect(ids(due([command("one", { lastStartAt: T0 - 59_500 })], T0, opts))).toEqual(["one"]);
  });

  it("does not count a 10-minute command as due one tick early", () => {
    expect(
      due([command("ten", { frequencyMinutes: 10, lastStartAt: T0 - 9 * MINUTE })], T0, opts),
    ).toEqual([]);
    expect(
      ids(due([command("ten", { frequencyMinutes: 10, lastStartAt: T0 - 10 * MINUTE })], T0, opts)),
    ).toEqual(["ten"]);
  });

  it("skips paused commands and commands whose lease is still held", () => {
    const ranked = due(
      [
        command("paused", { paused: true }),
        command("running", {
          leaseRunId: "r1",
          leaseExpiresAt: T0 + MINUTE,
          lastStartAt: T0 - 5 * MINUTE,
        }),
        command("expired", {
          leaseRunId: "r2",
          leaseExpiresAt: T0 - 1,
          lastStartAt: T0 - 5 * MINUTE,
        }),
        command("ready"),
      ],
      T0,
      opts,
    );
    expect(ids(ranked)).toEqual(["ready", "expired"]);
  });

  it("breaks equal scores by priority, then by the longer wait, then by id", () => {
    const at = T0 - 2 * MINUTE;
    const tie = due(
      [
        command("b", { lastStartAt: at }),
        command("a", { lastStartAt: at }),
        command("c", { lastStartAt: at, priority: 1, frequencyMinutes: 1 }),
      ],
      T0,
      { ...opts, priorityWeight: 0 },
    );
    expect(ids(tie)).toEqual(["c", "a", "b"]);
    const never = due([command("z"), command("y", { priority: 2 }), command("x")], T0, opts);
    expect(ids(never)).toEqual(["y", "x", "z"]);
  });
});

describe("decide", () => {
  it("blocks every start inside the global minimum interval", () => {
    const decision = decide([command("due")], T0, { lastGlobalStartAt: T0 - 59_999 }, opts);
    expect(decision).toEqual({ kind: "wait-global", nextStartAllowedAt: T0 + 1 });
  });

  it("starts once the global minimum interval has passed", () => {
    const decision = decide([command("due")], T0, { lastGlobalStartAt: T0 - 60_000 }, opts);
    expect(decision.kind).toBe("start");
  });

  it("reports when the next command falls due when nothing is due", () => {
    const decision = decide(
      [
        command("ten", { frequencyMinutes: 10, lastStartAt: T0 - 2 * MINUTE }),
        command("p", { paused: true }),
      ],
      T0,
      {},
      opts,
    );
    expect(decision).toEqual({
      kind: "idle",
      nextDueAt: T0 + 8 * MINUTE - 30_000,
      paused: 1,
      running: 0,
    });
  });
});

describe("runnableCandidates", () => {
  const llmCommand = command("llm", { requiresLlm: true });
  const plain = command("plain", { lastStartAt: T0 - 5 * MINUTE });

  it("skips a command that requires the LLM while the LLM is down", async () => {
    const probe = vi.fn(async () => false);
    const skipped: string[] = [];
    const runnable = await collect(
      runnableCandidates(due([llmCommand, plain], T0, opts), probe, (c) =>
        skipped.push(c.command.id),
      ),
    );
    expect(ids(runnable)).toEqual(["plain"]);
    expect(skipped).toEqual(["llm"]);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it("keeps it while the LLM is up, probing once for several such commands", async () => {
    const probe = vi.fn(async () => true);
    const runnable = await collect(
      runnableCandidates(
        due([llmCommand, command("llm2", { requiresLlm: true })], T0, opts),
        probe,
      ),
    );
    expect(ids(runnable)).toEqual(["llm", "llm2"]);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it("does not probe when no due candidate needs the LLM", async () => {
    const probe = vi.fn(async () => true);
    const notDue = command("llm-later", {
      requiresLlm: true,
      frequencyMinutes: 60,
      lastStartAt: T0 - MINUTE,
    });
    const runnable = await collect(runnableCandidates(due([plain, notDue], T0, opts), probe));
    expect(ids(runnable)).toEqual(["plain"]);
    expect(probe).not.toHaveBeenCalled();
  });

  it("does not probe when the first choice needs no LLM and the caller stops there", async () => {
    const probe = vi.fn(async () => true);
    const first = await runnableCandidates(
      due([plain, command("llm", { requiresLlm: true, lastStartAt: T0 - 2 * MINUTE })], T0, opts),
      probe,
    ).next();
    expect(first.value?.command.id).toBe("plain");
    expect(probe).not.toHaveBeenCalled();
  });
});

describe("dueToleranceMs", () => {
  it("is half the tick when the global minimum allows one start per tick", () => {
    expect(dueToleranceMs(60_000, 5_000, 60_000)).toBe(30_000);
  });
  it("is half the poll interval when the tick keeps polling", () => {
    expect(dueToleranceMs(60_000, 5_000, 10_000)).toBe(2_500);
  });
});
