import { configDefaults, defineConfig } from "vitest/config";

/** Shared by every suite: quiet logs, no `.env`, the SDK's Node-version warning off. */
export const testEnv = {
  AMPA_LOAD_DOTENV: "0",
  AMPA_LOG_LEVEL: "silent",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

// `npm test`: unit, integration, hostile-input and e2e suites. The fault-injection suite
// has its own config (vitest.faults.config.ts, `npm run test:faults`).
export default defineConfig({
  test: {
    // Four files at a time on any machine (vitest's default is cores - 1: one file at a
    // time on 2 cores). Most files spend their time waiting on child processes and
    // servers; each test has its own table, store server, ports and temporary files.
    maxWorkers: 4,
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude, "test/faults/**"],
    // Bounds for a hung test on a busy machine (another process on both cores, four files
    // at a time), not performance targets: a passing test never waits for them.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: testEnv,
    setupFiles: ["test/support/secret-scan.ts"],
  },
});
