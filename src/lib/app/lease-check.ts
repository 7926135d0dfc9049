import type { Command, RunClaim } from "../core/command.js";
import type { CommandStore } from "../core/ports.js";

/** Whether a claim may still run, read from the command as stored. */
export type LeaseCheck =
  | { held: true; command: Command }
  /**
   * `startedBy` is set when the lease is still this claim's but a worker already marked
   * it started: a redelivery, which executeClaim's own start mark also refuses.
   */
  | { held: false; reason: string; command?: Command; startedBy?: string };

/**
 * The one pre-check before running a claim (runCommand, the task worker): the command
 * still exists and its lease is this claim's, not yet started by another delivery.
 */
export async function checkLease(
  store: Pick<CommandStore, "getCommand">,
  claim: RunClaim,
): Promise<LeaseCheck> {
  const command = await store.getCommand(claim.commandId);
  if (!command)
    return { held: false, reason: `command ${claim.commandId} does not exist (removed)` };
  if (command.leaseRunId !== claim.runId)
    return {
      held: false,
      reason: command.leaseRunId
        ? `the lease belongs to run ${command.leaseRunId} now`
        : "the lease was released (recovered or finished)",
    };
  if (command.leaseWorker)
    return {
      held: false,
      command,
      startedBy: command.leaseWorker,
      reason: `run ${claim.runId} was started already by ${command.leaseWorker} (a redelivery)`,
    };
  return { held: true, command };
}
