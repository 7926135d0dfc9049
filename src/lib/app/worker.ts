import type { Command, RunClaim, RunRecord } from "../core/command.js";
import type { Logger } from "../core/logger.js";
import { checkLease } from "./lease-check.js";
import { executeClaim, type RunDeps } from "./run.js";

/**
 * How a task worker exits (src/handlers/task.ts). A supervisor (ECS, `npm start`, a test)
 * can tell from the code alone whether the command ran, and whether it was recorded.
 */
export const WORKER_EXIT = {
  /** The command ran and succeeded; recorded. */
  success: 0,
  /** The command ran and failed, timed out or its runner erred; recorded. */
  failed: 1,
  /** No valid claim (AMPA_CLAIM missing or malformed): nothing ran. */
  badClaim: 2,
  /** Not run: the lease is not this claim's (recovered, or started already: a redelivery). */
  notRun: 3,
  /** The lease was lost while it ran (recovered meanwhile): program killed, nothing recorded. */
  leaseLost: 4,
  /** Stopped by SIGTERM/SIGINT: program killed, recorded `abandoned`. */
  stopped: 5,
} as const;
export type WorkerExitCode = (typeof WORKER_EXIT)[keyof typeof WORKER_EXIT];

export interface WorkerResult {
  code: WorkerExitCode;
  /** The recorded run, when there is one. */
  run?: RunRecord;
  /** Why nothing ran or nothing was recorded. */
  reason?: string;
}

export interface WorkerDeps {
  /** The run's dependencies; `worker` names this worker on the lease. */
  runDeps: RunDeps & { worker: string };
  log: Logger;
  /** Aborts on SIGTERM/SIGINT: the run is stopped and recorded abandoned. */
  stop: AbortSignal;
  /**
   * Wraps the run, e.g. in a workspace: calls `run` with the run's dependencies (the same
   * ones, or ones bound to another directory) and returns what it returns.
   */
  around?: (
    command: Command,
    run: (runDeps: RunDeps) => Promise<RunRecord | undefined>,
  ) => Promise<RunRecord | undefined>;
}

/**
 * A task worker's whole job: check that the command's lease is still this claim's, run
 * it through executeClaim (which marks it started, renews the lease and records the
 * result conditionally on it), and say how it went as an exit code.
 */
export async function workClaim(deps: WorkerDeps, claim: RunClaim): Promise<WorkerResult> {
  const { runDeps } = deps;
  const log = deps.log.child({ commandId: claim.commandId, runId: claim.runId });
  const lease = await checkLease(runDeps.store, claim);
  if (!lease.held) {
    log.warn({ reason: lease.reason }, "task worker: not running the claim");
    return { code: WORKER_EXIT.notRun, reason: lease.reason };
  }
  const { command } = lease;
  let started = false;
  // Whether the run got past its start mark tells a redelivery from a lost lease.
  const onStarted = () => (started = true);
  const around = deps.around ?? ((_c, run) => run(runDeps));
  const run = await around(command, (inner) =>
    executeClaim({ ...inner, onStarted, worker: runDeps.worker, stop: deps.stop }, command, claim),
  );
  if (!run) {
    const reason = started
      ? "the lease was lost while the run was in progress: nothing recorded"
      : "the run could not be started: its lease is no longer this claim's";
    return { code: started ? WORKER_EXIT.leaseLost : WORKER_EXIT.notRun, reason };
  }
  if (run.outcome === "abandoned") return { code: WORKER_EXIT.stopped, run };
  return { code: run.outcome === "success" ? WORKER_EXIT.success : WORKER_EXIT.failed, run };
}
