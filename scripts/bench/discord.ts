import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore } from "../../src/lib/adapters/dynamodb/store.js";
import { ensureTable } from "../../src/lib/adapters/dynamodb/table.js";
import { answerRequest, type EndpointDeps } from "../../src/lib/app/discord/endpoint.js";
import { parseAllowlist } from "../../src/lib/core/discord/interaction.js";
import { ed25519PublicKey, verifyRequest } from "../../src/lib/core/discord/signature.js";
import { startEmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { ANSWER_WITHIN_MS } from "../../src/lib/runtime/discord.js";
import { fmt, log, median, quantile } from "./format.js";

/**
 * Discord's Interactions Endpoint (`--only discord`): the signature check alone, and the
 * whole answer in-process (check, parse, the store on loopback) for a PING, `/ampa status`
 * over 20 commands and an action (deferred at once). API Gateway and Lambda come on top.
 */

const VERIFY_RUNS = 2000;
const SETTINGS = {
  pollIntervalMs: 5000,
  globalMinIntervalMs: 60_000,
  tickIntervalMs: 60_000,
  priorityWeight: 0.1,
  defaultMaxRuntimeMinutes: 10,
};
const ANSWER_RUNS = 200;

export interface DiscordBench {
  verify: { medianUs: number; p95Us: number };
  answers: { what: string; medianMs: number; p95Ms: number }[];
}

function interaction(sub: string, options: { name: string; type: number; value: string }[]) {
  const id = String(
    (BigInt(Date.now() - 1_420_070_400_000) << 22n) + BigInt(Math.floor(Math.random() * 4096)),
  );
  return {
    id,
    application_id: "900000000000000001",
    type: sub === "ping" ? 1 : 2,
    token: `token-${id}`,
    member: { user: { id: "111", username: "bench" }, roles: [] },
    data: { name: "ampa", options: [{ name: sub, type: 1, options }] },
  };
}

type Signed = (body: string) => {
  headers: Record<"x-signature-ed25519" | "x-signature-timestamp", string>;
  body: Buffer;
};

/** The signature check alone, on a request of about 1 kB. */
function measureVerify(key: KeyObject, signed: Signed): DiscordBench["verify"] {
  const sample = signed(JSON.stringify({ ...interaction("status", []), pad: "x".repeat(800) }));
  const verifyUs: number[] = [];
  for (let i = 0; i < VERIFY_RUNS; i++) {
    const t = performance.now();
    verifyRequest(
      key,
      {
        signature: sample.headers["x-signature-ed25519"],
        timestamp: sample.headers["x-signature-timestamp"],
        body: sample.body,
      },
      Date.now(),
    );
    verifyUs.push((performance.now() - t) * 1000);
  }

  return { medianUs: median(verifyUs), p95Us: quantile(verifyUs, 0.95) };
}

export async function discordBench(): Promise<DiscordBench> {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const hex = publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
  const key = ed25519PublicKey(hex);
  const signed = (body: string) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      headers: {
        "x-signature-ed25519": sign(null, Buffer.from(timestamp + body), privateKey).toString(
          "hex",
        ),
        "x-signature-timestamp": timestamp,
      },
      body: Buffer.from(body),
    };
  };
  const verify = measureVerify(key, signed);
  const server = await startEmbeddedStore({});
  try {
    const dynamo = createDynamoClient({
      region: "us-east-1",
      endpoint: server.endpoint,
      key: server.key,
    });
    await ensureTable(dynamo, "ampa-bench-discord");
    const store = createStore(createDocumentClient(dynamo), {
      tableName: "ampa-bench-discord",
      maxRunHistory: 50,
    });
    for (let i = 0; i < 20; i++)
      await store.addCommand(
        {
          id: `cmd-${i}`,
          command: "true",
          frequencyMinutes: 5,
          priority: 0,
          metadata: {},
        } as never,
        Date.now(),
      );
    const deps: EndpointDeps = {
      clock: Date.now,
      publicKey: () => Promise.resolve(key),
      allowlist: () => Promise.resolve(parseAllowlist("user:111").allowlist),
      buttonKey: () => Promise.resolve(undefined),
      read: { store, settings: SETTINGS },
      answerWithinMs: ANSWER_WITHIN_MS,
      timer: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
      handOff: () => Promise.resolve(),
      log: { warn: () => {}, error: () => {} },
    };
    const answers: DiscordBench["answers"] = [];
    for (const [what, sub, options] of [
      ["PING", "ping", []],
      ["/ampa status (20 commands)", "status", []],
      ["/ampa pause (deferred)", "pause", [{ name: "id", type: 3, value: "cmd-1" }]],
    ] as const) {
      const ms: number[] = [];
      for (let i = 0; i < ANSWER_RUNS; i++) {
        const req = signed(JSON.stringify(interaction(sub, [...options])));
        const t = performance.now();
        await answerRequest(deps, req);
        ms.push(performance.now() - t);
      }
      answers.push({ what, medianMs: median(ms), p95Ms: quantile(ms, 0.95) });
    }
    dynamo.destroy();
    return { verify, answers };
  } finally {
    await server.close();
  }
}

export function discordSection(r: DiscordBench): string {
  log("discord: measured");
  return [
    "## Discord's Interactions Endpoint (in-process; API Gateway and Lambda on top)",
    "",
    "| what | median | p95 |",
    "| --- | --- | --- |",
    `| Ed25519 check of a 1 kB request (${VERIFY_RUNS}×) | ${fmt(r.verify.medianUs, 0)} µs | ${fmt(r.verify.p95Us, 0)} µs |`,
    ...r.answers.map(
      (a) => `| ${a.what} (${ANSWER_RUNS}×) | ${fmt(a.medianMs)} ms | ${fmt(a.p95Ms)} ms |`,
    ),
    "",
    `Reads not answered within ${ANSWER_WITHIN_MS} ms of the request are deferred.`,
  ].join("\n");
}
