import { claimCommand } from "../../src/lib/app/run-protocol.js";
import type { Command, RunClaim } from "../../src/lib/core/command.js";
import type { Config } from "../../src/lib/runtime/config.js";
import { must } from "./commands.js";
import type { TestTable } from "./store.js";

export interface ClaimOptions {
  /** Default now. */
  now?: number;
  /** Default "test". */
  owner?: string;
  /** Default "schedule". */
  trigger?: RunClaim["trigger"];
  /** Default the table's own. */
  config?: Config;
}

/**
 * Reads the stored command `id` and takes its lease as a tick would, for a test that then
 * dispatches or runs the claim itself. Fails the test if the command is missing or the
 * lease is not free.
 */
export async function claimStored(
  t: TestTable,
  id: string,
  opts: ClaimOptions = {},
): Promise<{ command: Command; claim: RunClaim }> {
  const command = must(await t.store.getCommand(id), `command ${id}`);
  const claim = must(
    await claimCommand(t.store, command, {
      now: opts.now ?? Date.now(),
      owner: opts.owner ?? "test",
      trigger: opts.trigger ?? "schedule",
      config: opts.config ?? t.config,
    }),
    `a claim of ${id}`,
  );
  return { command, claim };
}
