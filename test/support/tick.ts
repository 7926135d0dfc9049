import { testLogger } from "./logger.js";
import type { Command, RunClaim } from "../../src/lib/core/command.js";
import type { Config } from "../../src/lib/runtime/config.js";
import { type Logger } from "../../src/lib/runtime/log.js";
import { executeClaim } from "../../src/lib/app/run.js";
import { createRunners } from "../../src/lib/app/commands/registry.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import type { TickDeps } from "../../src/lib/app/tick.js";

/** Tick dependencies on a real store, running claimed commands inline and recording each start. */
export function tickDeps(
  store: Store,
  config: Config,
  overrides: Partial<TickDeps> & { now?: number } = {},
): TickDeps & { starts: RunClaim[] } {
  const starts: RunClaim[] = [];
  const log: Logger = overrides.log ?? testLogger;
  const clock = overrides.clock ?? (() => overrides.now ?? Date.now());
  return {
    store,
    config,
    log,
    clock,
    probeLlm: async () => true,
    sleep: async () => {},
    owner: "test-tick",
    dispatch: async (command: Command, claim: RunClaim) => {
      starts.push(claim);
      await executeClaim(
        // Retries of a failed final write (app/final-write.ts) do not wait in tests.
        { store, config, log, clock, runners: createRunners(processes), sleep: async () => {} },
        command,
        claim,
      );
    },
    ...overrides,
    starts,
  };
}
