import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Command, RunClaim } from "../core/command.js";
import type { Config } from "../core/config.js";
import { createDocumentClient, createDynamoClient } from "../adapters/dynamodb/client.js";
import { createStore, type Store } from "../adapters/dynamodb/store.js";
import { ensureTable } from "../adapters/dynamodb/table.js";
import { executeClaim } from "../app/run.js";
import { isCommandType, simulatedRunners } from "../app/commands/registry.js";
import { renewLease } from "../app/run-protocol.js";
import { type PassResult, runTick, type TickDeps } from "../app/tick.js";
import { silentLogger } from "../runtime/log.js";
import { startEmbeddedStore } from "./embedded-store.js";

/**
 * The harness `ampa simulate` and the benchmark share: the real tick (`runTick` →
 * `tickPass`: selection, conditional claims, run recording) on a virtual clock, against
 * the real `Store` on a fresh in-memory embedded DynamoDB-compatible server. The tick's
 * sleeps between polls only move the clock. Runs are instant (or as their type's module
 * simulates them: app/commands) unless `runMs` says
 * otherwise: then the run is recorded (through the real `executeClaim`) when the clock
 * reaches its end, and until then it holds its lease as a real run would. Anything else
 * that should happen at a simulated time (a command added, paused, resumed) is queued
 * with `at` and runs when the clock gets there, before a tick at that same time.
 */

export interface HarnessOptions {
  /** As the tick would be configured; `tableName` names the table created for the run. */
  config: Config;
  /** Who claims (shown on the leases). */
  owner: string;
  /** Told of every start the tick dispatches, before its run is recorded. */
  onStart?: (command: Command, claim: RunClaim) => void;
  /** What the LLM probe answers at a simulated time; always up when absent. */
  llmUp?: (at: number) => boolean;
  /** How long a run of the command takes on the simulated clock (ms); instant when absent or 0. */
  runMs?: (command: Command) => number;
}

export interface Harness {
  store: Store;
  /** The store's DynamoDB client, for middleware that counts or times its requests. */
  dynamo: DynamoDBClient;
  /** The virtual clock's time now. */
  now: () => number;
  /** Sets the clock to `at` and runs one tick there, exactly as the tick function runs one. */
  tick: (at: number) => Promise<PassResult[]>;
  /** Runs `action` when the clock reaches `at` (at once, when it is already past). */
  at: (at: number, action: () => Promise<void>) => void;
  /** Moves the clock forward to `at`, running every queued action due by then, in time order. */
  advanceTo: (at: number) => Promise<void>;
}

/** Actions queued on the virtual clock, run in time order (equal times in queueing order). */
function virtualClock() {
  let now = 0;
  const queue: { at: number; action: () => Promise<void> }[] = [];
  return {
    now: () => now,
    set: (at: number) => {
      now = at;
    },
    at: (at: number, action: () => Promise<void>) => {
      const i = queue.findIndex((e) => e.at > at);
      queue.splice(i < 0 ? queue.length : i, 0, { at, action });
    },
    advanceTo: async (at: number) => {
      for (let next = queue[0]; next && next.at <= at; next = queue[0]) {
        queue.shift();
        now = Math.max(now, next.at);
        await next.action();
      }
      now = Math.max(now, at);
    },
  };
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
  const dynamo = createDynamoClient({
    region: config.region,
    endpoint: server.endpoint,
    key: server.key,
  });
  try {
    await ensureTable(dynamo, config.tableName);
    const store = createStore(createDocumentClient(dynamo), {
      tableName: config.tableName,
      maxRunHistory: config.maxRunHistory,
      knownType: isCommandType,
    });
    const clock = virtualClock();
    const runDeps = {
      store,
      config,
      log: silentLogger,
      clock: clock.now,
      runners: simulatedRunners(),
    };
    const deps: TickDeps = {
      store,
      config,
      log: silentLogger,
      clock: clock.now,
      probeLlm: async () => opts.llmUp?.(clock.now()) ?? true,
      sleep: (ms) => clock.advanceTo(clock.now() + ms),
      owner: opts.owner,
      dispatch: async (command, claim) => {
        opts.onStart?.(command, claim);
        const runMs = opts.runMs?.(command) ?? 0;
        if (runMs > 0) {
          const end = claim.startedAt + runMs;
          // A live worker renews its lease; on the virtual clock that is queued too.
          for (let at = claim.startedAt + config.leaseRenewMs; at < end; at += config.leaseRenewMs)
            clock.at(at, async () => {
              await renewLease(store, claim, at, at + config.leaseTtlMs);
            });
          clock.at(end, async () => {
            await executeClaim(runDeps, command, claim);
          });
        } else await executeClaim(runDeps, command, claim);
      },
    };
    const tick = async (at: number) => {
      await clock.advanceTo(at);
      // A tick polling past `at` has already moved the clock; the tick still runs at `at`.
      clock.set(at);
      return runTick(deps, at);
    };
    return await use({
      store,
      dynamo,
      now: clock.now,
      tick,
      at: clock.at,
      advanceTo: clock.advanceTo,
    });
  } finally {
    dynamo.destroy();
    await server.close();
  }
}
