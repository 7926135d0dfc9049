import { describe, expect, it } from "vitest";
import { runTool } from "../../src/lib/adapters/process/tool.js";
import { Worklog, WorklogError } from "../../src/lib/app/worklog/wl.js";
import { createDoubles, type Doubles, doublesOnPath, workItem } from "../support/doubles.js";

const useDoubles = doublesOnPath();

/** The doubles on this process's PATH, and a Worklog adapter using them. */
function setup(d: Doubles, timeoutMs = 10_000): Worklog {
  useDoubles(d);
  return new Worklog({ run: runTool, cwd: d.dir, timeoutMs });
}

describe("Worklog adapter", () => {
  it("runs wl with --json as argv in the configured directory", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-1", status: "in-progress" })] } });
    const wl = setup(d);
    expect((await wl.inProgress()).map((i) => i.id)).toEqual(["SA-1"]);
    expect(d.calls()).toEqual([{ program: "wl", argv: ["in_progress", "--json"], cwd: d.dir }]);
  });

  it("turns a stderr JSON error into a WorklogError with wl's message", async () => {
    const wl = setup(createDoubles({ wl: { items: [] } }));
    await expect(wl.show("SA-404")).rejects.toThrow("wl show failed: Work item not found: SA-404");
  });

  it("reports an uninitialized repository with wl's message", async () => {
    const wl = setup(createDoubles({ wl: { initialized: false } }));
    await expect(wl.next()).rejects.toThrow(/Worklog system is not initialized/);
  });

  it("reports invalid JSON on stdout", async () => {
    const wl = setup(
      createDoubles({ wl: { overrides: { "next --json": { stdout: "not json {" } } } }),
    );
    await expect(wl.next()).rejects.toThrow(/wl next returned invalid JSON/);
  });

  it("reports a non-JSON argument error with its stderr", async () => {
    const d = createDoubles({ wl: { items: [workItem({ id: "SA-1" })] } });
    const wl = setup(d);
    await expect(wl.json(["comment", "add", "SA-1", "--comment", "x"])).rejects.toThrow(
      /required option '-a, --author <author>' not specified/,
    );
  });

  it("retries wl in_progress --json once before giving up", async () => {
    const failure = { stderr: '{"success":false,"error":"database is locked"}', exit: 1 };
    const items = [workItem({ id: "SA-1", status: "in-progress" })];
    const once = createDoubles({
      wl: { items, overrides: { "in_progress --json": [failure, "fallthrough"] } },
    });
    expect((await setup(once).inProgress()).map((i) => i.id)).toEqual(["SA-1"]);
    expect(once.calls()).toHaveLength(2);

    const always = createDoubles({ wl: { items, overrides: { "in_progress --json": failure } } });
    await expect(setup(always).inProgress()).rejects.toThrow(/database is locked/);
    expect(always.calls()).toHaveLength(2);
  });

  it("says wl is not on PATH when it is missing", async () => {
    const wl = setup(createDoubles({}, { omit: ["wl"] }));
    const err = await wl.inProgress().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorklogError);
    expect((err as Error).message).toBe("wl is not on PATH");
  });

  it("kills wl when it hangs past its timeout and says so", async () => {
    const d = createDoubles({ wl: { overrides: { "next --json": { sleepMs: 20_000 } } } });
    const wl = setup(d, 500);
    await expect(wl.next()).rejects.toThrow("wl next timed out after 500 ms");
  });
});
