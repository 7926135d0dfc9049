import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunClaim } from "../../src/lib/core/command.js";
import type { Dispatch } from "../../src/lib/core/ports.js";
import { workerDispatch } from "../../src/lib/adapters/process/worker-dispatch.js";
import { liveWorkers, type WorkerRecord } from "../../src/lib/adapters/process/worker-records.js";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import { alive } from "./processes.js";
import { waitFor } from "./wait.js";

/** Short leases, so that tests see several renewals and quick recoveries. */
export const SHORT_LEASES = {
  AMPA_LEASE_TTL_SECONDS: "3",
  AMPA_LEASE_RENEW_SECONDS: "1",
  AMPA_TASK_START_SECONDS: "20",
  AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
};

export function workersTmpDir(): string {
  return join(mkdtempSync(join(tmpdir(), "ampa-workers-")), "workers");
}

/** The real local task dispatch: `node bin/task-worker.mjs` (TASK_ENTRY), detached. */
export function testWorkerDispatch(
  endpoint: string,
  tableName: string,
  workersDir: string,
  env: Record<string, string> = {},
): Dispatch {
  return workerDispatch({
    root: process.cwd(),
    workersDir,
    env: process.env,
    overrides: {
      AMPA_DYNAMODB_ENDPOINT: endpoint,
      AMPA_TABLE_NAME: tableName,
      AMPA_LOG_LEVEL: "info",
      AMPA_LOG_FORMAT: "json",
      ...SHORT_LEASES,
      ...env,
    },
  });
}

/** The record of the worker started for `claim`, once it is written. */
export function workerOf(
  workersDir: string,
  claim: Pick<RunClaim, "runId">,
): Promise<WorkerRecord> {
  return waitFor("the worker's record", () =>
    liveWorkers(workersDir).find((w) => w.runId === claim.runId),
  );
}

/** Waits until the worker's process is gone (it exits by itself). */
export function workerExit(record: WorkerRecord, timeoutMs = 60_000): Promise<true> {
  return waitFor("the worker to exit", () => !alive(record.pid), timeoutMs);
}

/** The run's record once it is written. */
export function runRecorded(store: Store, commandId: string, runId: string, timeoutMs = 60_000) {
  return waitFor(
    `run ${runId} on record`,
    async () => (await store.listRuns(commandId)).find((r) => r.runId === runId),
    timeoutMs,
  );
}
