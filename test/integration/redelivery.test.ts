import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { claimPayload } from "../../src/lib/core/claim-payload.js";
import { claimStored } from "../support/claims.js";
import { spec } from "../support/commands.js";
import { handlerTable, lambdaContext as context } from "../support/lambda.js";

const handlers = handlerTable();

describe("a redelivered runCommand event", () => {
  it("runs the program once: a second delivery of the same claim, at once or after the run, runs nothing", async () => {
    const { handler } = await import("../../src/handlers/runCommand.js");
    const marks = join(mkdtempSync(join(tmpdir(), "ampa-redelivery-")), "marks");
    await handlers.store.addCommand(
      spec("twice", { command: `echo ran >> ${marks}; sleep 1` }),
      Date.now(),
    );
    const { claim } = await claimStored(handlers.t, "twice", { owner: "tick:test" });
    const event = claimPayload(claim);
    // Lambda's retry of an invocation it took for failed, while the first still runs.
    const [first, second] = await Promise.all([
      handler(event, context()),
      handler(event, context()),
    ]);
    const third = await handler(event, context());
    expect([first.status, second.status].sort()).toEqual(["not-run", "success"]);
    expect(third.status).toBe("lease-not-held");
    expect(readFileSync(marks, "utf8")).toBe("ran\n");
    const runs = await handlers.store.listRuns("twice");
    expect(runs.map((r) => r.outcome)).toEqual(["success"]);
    expect(runs[0]?.worker).toMatch(/^lambda:req-/);
  });
});
