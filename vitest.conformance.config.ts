import { defineConfig } from "vitest/config";
import { testEnv } from "./vitest.config.js";

// `npm run test:conformance` (CI): the suites whose subject is what the store does, run
// again against the official DynamoDB Local instead of dynalite (AMPA_TEST_STORE below;
// test/support/store.ts). Between them they cover every item shape and every operation the
// adapters issue: conditional claims and releases, lost claims answering the holder's item,
// lease renewals by detached workers, run history queries and pruning, the DISPATCH
// partition, imports' batch writes, item size limits, corrupt and foreign items, and the
// reads of a tick and of the dashboard. The other suites (CLI arguments and output,
// Worklog runners, HTTP endpoints, child processes, dispatch doubles) reach the store
// only through those same adapter functions, so a second run of them on DynamoDB Local
// would repeat the same requests.
export const CONFORMANCE_SUITES = [
  "test/integration/store.test.ts",
  "test/integration/run-protocol.test.ts",
  "test/integration/lease.test.ts",
  "test/integration/tick.test.ts",
  "test/integration/redelivery.test.ts",
  "test/integration/notify.test.ts",
  "test/integration/post-unchanged.test.ts",
  "test/integration/delegation.test.ts",
  "test/integration/task-worker.test.ts",
  "test/integration/python-store.test.ts",
  "test/integration/import-upstream.test.ts",
  "test/integration/dashboard.test.ts",
  "test/hostile/store-items.test.ts",
  "test/hostile/import-file.test.ts",
  "test/security/final-write.test.ts",
  "test/security/tick-reads.test.ts",
  "test/security/caps.test.ts",
];

export default defineConfig({
  test: {
    include: CONFORMANCE_SUITES,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 3,
    env: { ...testEnv, AMPA_TEST_STORE: "dynamodb-local" },
    setupFiles: ["test/support/secret-scan.ts"],
    globalSetup: ["test/support/dynamodb-local-global.ts"],
  },
});
