import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { claimCommand } from "../../src/lib/app/run.js";
import { runCommandEvent } from "../../src/lib/adapters/lambda-dispatch.js";
import { must, spec } from "../support/commands.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";

let server: EmbeddedStore;
let t: TestTable;

function context(): Context {
  return {
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    getRemainingTimeInMillis: () => 60_000,
  } as Context;
}

beforeAll(async () => {
  server = await startTestServer();
  t = await createTestTable(server.endpoint);
  // The handler builds its App from the environment on first use, as on Lambda.
  process.env.AMPA_DYNAMODB_ENDPOINT = server.endpoint;
  process.env.AMPA_TABLE_NAME = t.tableName;
});
afterAll(async () => {
  await server.close();
});

describe("a redelivered runCommand event", () => {
  it("runs the program once: a second delivery of the same claim, at once or after the run, runs nothing", async () => {
    const { handler } = await import("../../src/handlers/runCommand.js");
    const marks = join(mkdtempSync(join(tmpdir(), "ampa-redelivery-")), "marks");
    await t.store.addCommand(
      spec("twice", { command: `echo ran >> ${marks}; sleep 1` }),
      Date.now(),
    );
    const command = must(await t.store.getCommand("twice"));
    const claim = must(
      await claimCommand(t.store, command, {
        now: Date.now(),
        owner: "tick:test",
        trigger: "schedule",
        config: t.config,
      }),
    );
    const event = runCommandEvent(claim);
    // Lambda's retry of an invocation it took for failed, while the first still runs.
    const [first, second] = await Promise.all([
      handler(event, context()),
      handler(event, context()),
    ]);
    const third = await handler(event, context());
    expect([first.status, second.status].sort()).toEqual(["not-run", "success"]);
    expect(third.status).toBe("lease-not-held");
    expect(readFileSync(marks, "utf8")).toBe("ran\n");
    const runs = await t.store.listRuns("twice");
    expect(runs.map((r) => r.outcome)).toEqual(["success"]);
    expect(runs[0]?.worker).toMatch(/^lambda:req-/);
  });
});
