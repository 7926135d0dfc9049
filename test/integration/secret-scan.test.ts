import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { createLogger } from "../../src/lib/runtime/log.js";
import { registerSecret } from "../../src/lib/core/secrets.js";
import { CANARY_TOKEN, scanForCanary, takeLeaks } from "../support/canary.js";
import { createTestTable, scanRegisteredTables, startTestServer } from "../support/store.js";

// The scan itself must be able to fail: each test plants the token where the scan looks,
// checks it was found, and takes the finding so the planted leak does not fail the test.
let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("the canary secret scan", () => {
  it("finds the token in a line the service logs", () => {
    createLogger("info").info({ url: `http://127.0.0.1/api/webhooks/1/${CANARY_TOKEN}` }, "oops");
    expect(takeLeaks()).toEqual([expect.stringMatching(/^stdout: .*webhooks\/1\/<canary token>$/)]);
  });

  it("finds nothing once the token is registered as a secret, because the logger redacts it", () => {
    registerSecret(CANARY_TOKEN);
    createLogger("info").info({ url: `http://127.0.0.1/api/webhooks/1/${CANARY_TOKEN}` }, "fine");
    expect(takeLeaks()).toEqual([]);
  });

  it("finds the token in a stored item", async () => {
    const t = await createTestTable(server.endpoint);
    await t.doc.send(
      new PutCommand({ TableName: t.tableName, Item: { pk: "X", sk: "1", note: CANARY_TOKEN } }),
    );
    await scanRegisteredTables();
    const found = takeLeaks();
    await t.doc.send(new PutCommand({ TableName: t.tableName, Item: { pk: "X", sk: "1" } }));
    // Attribute order differs between dynalite and DynamoDB Local.
    expect(found).toEqual([
      expect.stringMatching(new RegExp(`^table ${t.tableName}: …\\{.*"note":"<canary token>$`)),
    ]);
  });

  it.each([
    ["base64 inside a blob", Buffer.from(`xy${CANARY_TOKEN}z`).toString("base64")],
    ["hex in upper case", Buffer.from(CANARY_TOKEN).toString("hex").toUpperCase()],
    ["split by CRLF", `${CANARY_TOKEN.slice(0, 30)}\r\n${CANARY_TOKEN.slice(30)}`],
    ["coloured", [...CANARY_TOKEN].map((c) => `\x1b[31m${c}\x1b[0m`).join("")],
  ])("finds the token %s", (_kind, text) => {
    scanForCanary("metrics", `before ${text} after`);
    expect(takeLeaks()).toEqual([expect.stringMatching(/^metrics: …<canary token, .+>$/)]);
  });

  it("finds the token anywhere in a text", () => {
    scanForCanary("metrics", `ampa_x{url="${CANARY_TOKEN}"} 1`);
    expect(takeLeaks()).toEqual(['metrics: …ampa_x{url="<canary token>']);
  });
});
