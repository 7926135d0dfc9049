import { defineConfig } from "vitest/config";
import { testEnv } from "./vitest.config.js";

// `npm run test:faults`: two files at a time. The assertions are counts under simulated
// clocks (lost, duplicated, corrupt; starts per minute), which load does not change. Each
// scenario also prints wall-clock figures, which load does change, so docs/reliability.md's
// come from `npm run test:faults -- --no-file-parallelism` on a quiet machine.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    env: testEnv,
    setupFiles: ["test/support/secret-scan.ts"],
  },
});
