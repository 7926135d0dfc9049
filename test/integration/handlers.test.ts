import { describe, expect, it } from "vitest";
import { spec } from "../support/commands.js";
import { argvOf, createDoubles, delegable, doublesOnPath } from "../support/doubles.js";
import { handlerTable, lambdaContext as context } from "../support/lambda.js";

// A tick runs the command it starts in this process: there is no Lambda to invoke. The
// stage's default agent is pi: the delegation function's dispatch must go to it.
const handlers = handlerTable({ AMPA_DISPATCH: "inline", AMPA_DEFAULT_AGENT: "pi" });
const useDoubles = doublesOnPath();

describe("Lambda handlers", () => {
  it("runOnce runs a command synchronously and returns its result", async () => {
    const { handler } = await import("../../src/handlers/runOnce.js");
    await handlers.store.addCommand(spec("hello", { command: "echo hello" }), Date.now());
    const result = await handler({ id: "hello" }, context());
    expect(result).toMatchObject({
      id: "hello",
      exitCode: 0,
      outcome: "success",
      output: "hello\n",
    });
    expect(Date.parse(result.endedAt)).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
  });

  it("runOnce rejects an unknown id with `Unknown command id: <id>`", async () => {
    const { handler } = await import("../../src/handlers/runOnce.js");
    await expect(handler({ id: "nope" }, context())).rejects.toThrow("Unknown command id: nope");
    await expect(handler({ name: "nope" }, context())).rejects.toThrow(
      'runOnce expects {"id": "<command id>"}',
    );
    // No DynamoDB key can hold these: refused before the store sees them.
    for (const id of ["", "é".repeat(600)])
      await expect(handler({ id }, context())).rejects.toThrow(
        'runOnce expects {"id": "<command id>"}',
      );
  });

  it("tick uses the schedule's own time and runs the chosen command", async () => {
    const { handler } = await import("../../src/handlers/tick.js");
    await handlers.store.addCommand(spec("ticked", { command: "echo ticked" }), Date.now());
    const scheduled = new Date(Math.floor(Date.now() / 1000) * 1000 - 2000).toISOString();
    const { passes } = await handler({ time: scheduled }, context());
    expect(passes).toHaveLength(1);
    expect(passes[0]).toMatchObject({ kind: "started" });
    expect(await handlers.store.getLastGlobalStart()).toBe(Date.parse(scheduled));
  });

  it("runCommand refuses a run whose lease it does not hold, and never throws", async () => {
    const { handler } = await import("../../src/handlers/runCommand.js");
    const claim = {
      commandId: "hello",
      runId: "not-the-lease",
      startedAt: 1,
      leaseExpiresAt: 2,
      trigger: "schedule",
    };
    expect(await handler(claim, context())).toEqual({ status: "lease-not-held" });
    expect(await handler({ bogus: true }, context())).toEqual({ status: "invalid-event" });
  });

  it("health answers 503 misconfigured when no webhook resolves, still marked as AMPA's", async () => {
    const { handler } = await import("../../src/handlers/health.js");
    const res = await handler();
    expect(res).toMatchObject({ statusCode: 503, body: "misconfigured" });
    expect(res.headers?.["x-ampa-service"]).toBe("health");
  });

  it("the heartbeat function fails with exit code 2 and a clear message without a webhook", async () => {
    const { handler } = await import("../../src/handlers/heartbeat.js");
    expect(await handler({}, context())).toMatchObject({ sent: false, exitCode: 2 });
    const http = await handler({ requestContext: {} }, context());
    expect(http).toMatchObject({ statusCode: 503 });
  });

  it("the delegation function returns the report and dispatches nothing on a dry run", async () => {
    const { handler } = await import("../../src/handlers/delegation.js");
    const d = createDoubles({ wl: { items: [delegable({ id: "SA-42", title: "Fix login" })] } });
    useDoubles(d);
    const result = await handler({ dryRun: true }, context());
    expect(result.ok).toBe(true);
    expect(result.report).toContain("Top candidate:\n- Fix login - SA-42");
    expect(result.note).toBeUndefined();
    expect(d.calls().map((c) => c.argv[0])).toEqual(["in_progress", "list", "next", "dep"]);
    expect(await handler({ dryRun: "yes" }, context())).toMatchObject({ ok: false });
  });

  it("the delegation function dispatches to the stage's default agent (AMPA_DEFAULT_AGENT)", async () => {
    const { handler } = await import("../../src/handlers/delegation.js");
    const d = createDoubles({
      wl: { items: [delegable({ id: "SA-43", title: "Fix logout" })] },
      pi: { default: { stdout: "Intake done." } },
    });
    useDoubles(d);
    const result = await handler({}, context());
    expect(result).toMatchObject({ ok: true, note: "Delegation: dispatched intake SA-43" });
    expect(argvOf(d, "pi")).toEqual([
      ["-p", "--mode", "json", expect.stringMatching(/^\/intake SA-43 /)],
    ]);
    expect(argvOf(d, "opencode")).toEqual([]);
  });
});
