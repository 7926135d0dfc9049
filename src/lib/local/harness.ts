import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Command, RunClaim } from "../core/command.js";
import type { Config } from "../core/config.js";
import { createDocumentClient, createDynamoClient } from "../adapters/dynamodb/client.js";
import { Store } from "../adapters/dynamodb/store.js";
import { ensureTable } from "../adapters/dynamodb/table.js";
import { executeClaim } from "../app/run.js";
import type { Runner, Runners } from "../app/runners/index.js";
import { type PassResult, runTick, type TickDeps } from "../app/tick.js";
import { silentLogger } from "../runtime/log.js";
import { startEmbeddedStore } from "./embedded-store.js";

/**
 * The harness `ampa simulate` and the benchmark share: the real tick (`runTick` →
 * `tickPass`: selection, conditional claims, run recording) on a virtual clock, against
 * the real `Store` on a fresh in-memory embedded DynamoDB-compatible server. Runs are
 * instant; the tick's sleeps between polls only move the clock.
 */

const instant: Runner = async () => ({
  exitCode: 0,
  output: "",
  outputTruncatedBytes: 0,
  outcome: "success",
});
/** Runners that succeed at once with no output: simulations and benchmarks time only the scheduler. */
export const instantRunners: Runners = {
  shell: instant,
  heartbeat: instant,
  delegation: instant,
  "triage-audit": instant,
};

export interface HarnessOptions {
  /** As the tick would be configured; `tableName` names the table created for the run. */
  config: Config;
  /** Who claims (shown on the leases). */
  owner: string;
  /** Told of every start the tick dispatches, before its instant run is recorded. */
  onStart?: (command: Command, claim: RunClaim) => void;
}

export interface Harness {
  store: Store;
  /** The store's DynamoDB client, for middleware that counts or times its requests. */
  dynamo: DynamoDBClient;
  /** The virtual clock's time now. */
  now: () => number;
  /** Sets the clock to `at` and runs one tick there, exactly as the tick function runs one. */
  tick: (at: number) => Promise<PassResult[]>;
}

/**
 * Starts an embedded store with an empty table, runs `use` with a harness on it, and
 * stops the store whatever `use` does.
 */
export async function withHarness<T>(
  opts: HarnessOptions,
  use: (harness: Harness) => Promise<T>,
): Promise<T> {
  const { config } = opts;
  const server = await startEmbeddedStore();
  const dynamo = createDynamoClient({ region: config.region, endpoint: server.endpoint });
  try {
    await ensureTable(dynamo, config.tableName);
    const store = new Store(createDocumentClient(dynamo), {
      tableName: config.tableName,
      maxRunHistory: config.maxRunHistory,
    });
    let now = 0;
    const clock = () => now;
    const runDeps = { store, config, log: silentLogger, clock, runners: instantRunners };
    const deps: TickDeps = {
      store,
      config,
      log: silentLogger,
      clock,
      probeLlm: async () => true,
      sleep: async (ms) => {
        now += ms;
      },
      owner: opts.owner,
      dispatch: async (command, claim) => {
        opts.onStart?.(command, claim);
        await executeClaim(runDeps, command, claim);
      },
    };
    const tick = (at: number) => {
      now = at;
      return runTick(deps, at);
    };
    return await use({ store, dynamo, now: clock, tick });
  } finally {
    dynamo.destroy();
    await server.close();
  }
}
