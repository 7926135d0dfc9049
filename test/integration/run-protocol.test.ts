import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimCommand, tryClaim } from "../../src/lib/app/run-protocol.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { MINUTE, must, spec, T0 } from "../support/commands.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";

/**
 * A lost claim answers the holder's record. DynamoDB (and DynamoDB Local, the
 * conformance store: AMPA_TEST_STORE=dynamodb-local) returns it with the failure
 * (ReturnValuesOnConditionCheckFailure: ALL_OLD); dynalite ignores the parameter, so the
 * adapter reads the item once instead.
 */
const returnsAllOld = process.env.AMPA_TEST_STORE === "dynamodb-local";

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** Counts the GetItem requests the document client sends. */
function countGets(doc: DynamoDBDocumentClient): () => number {
  let gets = 0;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "GetItemCommand") gets++;
      return next(args);
    },
    { step: "build", name: "getItemCounter" },
  );
  return () => gets;
}

async function leased(t: TestTable, id: string) {
  await t.store.addCommand(spec(id), T0 - MINUTE);
  const command = must(await t.store.getCommand(id));
  const opts = { now: T0, trigger: "run-once", config: t.config } as const;
  must(await claimCommand(t.store, command, { ...opts, owner: "holder" }));
  return { command, opts };
}

describe("a lost claim answers the holder's record", () => {
  it(`from the failure itself where the store supports ALL_OLD, else one read (${returnsAllOld ? "DynamoDB Local" : "dynalite"})`, async () => {
    const t = await createTestTable(server.endpoint);
    const { command, opts } = await leased(t, "held");
    const gets = countGets(t.doc);

    const lost = await tryClaim(
      t.store,
      command,
      { ...opts, owner: "second" },
      { returnCurrent: true },
    );

    expect(lost).toMatchObject({
      written: false,
      current: { id: "held", leaseOwner: "holder" },
    });
    expect(lost).not.toHaveProperty("current.pk");
    expect(gets()).toBe(returnsAllOld ? 0 : 1);
  });

  it("reads nothing when the caller does not ask for the holder", async () => {
    const t = await createTestTable(server.endpoint);
    const { command, opts } = await leased(t, "quiet");
    const gets = countGets(t.doc);

    expect(await claimCommand(t.store, command, { ...opts, owner: "second" })).toBeUndefined();
    expect(gets()).toBe(0);
  });

  it("answers no record when the command is gone", async () => {
    const t = await createTestTable(server.endpoint);
    const { command, opts } = await leased(t, "gone");
    await t.store.removeCommand("gone");

    const lost = await tryClaim(t.store, command, { ...opts, owner: "x" }, { returnCurrent: true });
    expect(lost).toEqual({ written: false, current: undefined });
  });
});
