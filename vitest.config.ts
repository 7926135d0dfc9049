import { configDefaults, defineConfig } from "vitest/config";

/** Shared by every suite: quiet logs, no `.env`, the SDK's Node-version warning off. */
export const testEnv = {
  AMPA_LOAD_DOTENV: "0",
  AMPA_LOG_LEVEL: "silent",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/** Files with module-level state of their own (a Lambda container's App built once). */
const NEEDS_OWN_PROCESS = ["test/unit/cold-start.test.ts"];

// `npm test`: unit, integration, hostile-input, security, docs and e2e suites. The
// fault-injection suite has its own config (vitest.faults.config.ts, `npm run test:faults`).
export default defineConfig({
  test: {
    // Four files at a time on any machine (vitest's default is cores - 1: one file at a
    // time on 2 cores). Most files spend their time waiting on child processes and
    // servers; each test has its own table, store server, ports and temporary files.
    maxWorkers: 4,
    // Bounds for a hung test on a busy machine (another process on both cores, four files
    // at a time), not performance targets: a passing test never waits for them.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: testEnv,
    setupFiles: ["test/support/secret-scan.ts"],
    projects: [
      {
        // Pure code: files share a process and its loaded modules (about a second of
        // start-up per file otherwise), as they share nothing else.
        extends: true,
        test: {
          name: "pure",
          include: ["test/unit/**/*.test.ts", "test/docs/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...NEEDS_OWN_PROCESS],
          isolate: false,
        },
      },
      {
        // Servers, child processes and environment variables: a process per file.
        extends: true,
        test: {
          name: "suites",
          include: ["test/{integration,hostile,security,e2e}/**/*.test.ts", ...NEEDS_OWN_PROCESS],
        },
      },
    ],
  },
});
