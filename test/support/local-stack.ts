import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { readLock } from "../../src/lib/runtime/local-stack.js";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore, type Store } from "../../src/lib/adapters/dynamodb/store.js";
import { must } from "./commands.js";
import { freePort } from "./processes.js";

/** `npm start` (scripts/start.ts) in a child process, for the end-to-end suites. */

export const ROOT = resolve(import.meta.dirname, "../..");

export interface Started {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the stack with `env` over the test's environment (no .env, info logs). */
export function startStack(env: Record<string, string>): Started {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, AMPA_LOAD_DOTENV: "0", AMPA_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => output, exited };
}

/**
 * The environment of a stack of its own: the store in `storeDir`, free ports for its
 * metrics, Lambda endpoint and local inbox, its own esbuild directory under .ampa/.
 */
export async function stackEnv(storeDir: string, esbuildDir: string) {
  return {
    AMPA_SCHEDULER_STORE: storeDir,
    AMPA_METRICS_PORT: String(await freePort()),
    AMPA_LAMBDA_PORT: String(await freePort()),
    AMPA_INBOX_PORT: String(await freePort()),
    AMPA_ESBUILD_DIR: esbuildDir,
  };
}

/** The store of the running stack, found as the CLI finds it (its lock file). */
export function stackStore(storeDir: string): Store & { close: () => void } {
  const lock = must(readLock(storeDir), "the stack's lock");
  const dynamo = createDynamoClient({
    region: "us-east-1",
    endpoint: lock.endpoint,
    key: lock.key,
  });
  const store = createStore(createDocumentClient(dynamo), {
    tableName: "ampa-dev-state",
    maxRunHistory: 50,
  });
  return Object.assign(store, { close: () => dynamo.destroy() });
}
