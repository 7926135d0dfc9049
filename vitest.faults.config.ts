import { defineConfig } from "vitest/config";
import { testEnv } from "./vitest.config.js";

// `npm run test:faults`: one file at a time, so the scenarios' counts are not distorted by
// each other on a 2-core machine; each scenario prints its figures (docs/reliability.md).
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    env: testEnv,
    setupFiles: ["test/support/secret-scan.ts"],
  },
});
