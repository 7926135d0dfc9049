import { configDefaults, defineConfig } from "vitest/config";

/** Shared by every suite: quiet logs, no `.env`, the SDK's Node-version warning off. */
export const testEnv = {
  AMPA_LOAD_DOTENV: "0",
  AMPA_LOG_LEVEL: "silent",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/**
 * Files that change process-wide state another file would inherit if they shared a process:
 * a Lambda container's App built once (cold start, the handlers), environment variables the
 * code reads on each call, or the registry of secret values every log line is redacted with.
 * Each of them runs in a process of its own; every other file shares its worker's process.
 */
const NEEDS_OWN_PROCESS = [
  "test/unit/cold-start.test.ts",
  "test/hostile/store-items.test.ts",
  "test/integration/build-worker.test.ts",
  "test/integration/command-type-registry.test.ts",
  "test/integration/discord-buttons.test.ts",
  "test/integration/discord-interactions.test.ts",
  "test/integration/handlers.test.ts",
  "test/integration/health.test.ts",
  "test/integration/llm-probe.test.ts",
  "test/integration/metrics-auth.test.ts",
  "test/integration/redelivery.test.ts",
  "test/integration/secret-scan.test.ts",
  "test/integration/summarizer.test.ts",
  "test/integration/task-worker.test.ts",
  "test/integration/worker-dispatch.test.ts",
  "test/integration/workspace.test.ts",
  "test/security/agent-uid.test.ts",
  "test/security/child-env.test.ts",
  "test/security/final-write.test.ts",
  "test/security/redaction.test.ts",
];

/**
 * CI runs the unit and integration suites again on Node 22 (the deployed runtime) and 24
 * (`.ci/run`), for what changes between Node majors: child processes and signals, HTTP
 * servers and fetch, crypto, files and streams, module loading of the bundles, and the CLI a
 * user runs on their own Node. These files add none of that: their subject is workflow or
 * scheduling logic, reached through the same process, store and HTTP adapters the other
 * files exercise, so on another Node they would repeat the same calls (about 40% of the
 * integration suite's time). `npm test` runs them.
 */
export const LOGIC_ONLY_SUITES = [
  "test/integration/delegation.test.ts",
  "test/integration/delegation-runners.test.ts",
  "test/integration/dispatch-bound.test.ts",
  "test/integration/triage-audit.test.ts",
  "test/integration/review-audit.test.ts",
  "test/integration/pr-monitor.test.ts",
  "test/integration/post-unchanged.test.ts",
  "test/integration/import-upstream.test.ts",
  "test/integration/python-store.test.ts",
  "test/integration/worklog.test.ts",
  "test/integration/windows.test.ts",
  "test/integration/simulate.test.ts",
  "test/integration/simulate-dynamics.test.ts",
  "test/integration/simulate-html.test.ts",
  "test/integration/image-script.test.ts",
];

/** The suites, less `exclude` (the whole of them for `npm test`). */
export function suites(exclude: string[] = []) {
  return defineConfig({
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
          // Files share their worker's process and its loaded modules (about two seconds of
          // start-up per file otherwise: vitest's import time fell from 174 s to 41 s), as
          // they share nothing else: each test has its own table, store, ports and files.
          extends: true,
          test: {
            name: "shared",
            include: ["test/{unit,docs,integration,hostile,security,e2e}/**/*.test.ts"],
            exclude: [...configDefaults.exclude, ...NEEDS_OWN_PROCESS, ...exclude],
            isolate: false,
          },
        },
        {
          extends: true,
          test: {
            name: "own",
            include: NEEDS_OWN_PROCESS,
            exclude: [...configDefaults.exclude, ...exclude],
          },
        },
      ],
    },
  });
}

// `npm test`: unit, integration, hostile-input, security, docs and e2e suites. The
// fault-injection suite has its own config (vitest.faults.config.ts, `npm run test:faults`).
export default suites();
