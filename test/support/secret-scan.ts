// A setup file for every suite (see vitest.config.ts). Each test fails if the canary
// webhook token leaked anywhere this file or the support helpers can see:
// - every line the service logs in-process: the service logs at debug level during tests
//   and its JSON lines (written with fs.writeSync by pino) are scanned, then dropped;
// - every item of every table the test created (test/support/store.ts registers them);
// - CLI output (test/support/cli.ts), fake-webhook message bodies
//   (test/support/webhook-server.ts) and captured loggers (test/support/logger.ts).
import fs from "node:fs";
import { resolve } from "node:path";
import { afterAll, afterEach, expect } from "vitest";
import { runAfterTestScans, scanForCanary, scanned, takeLeaks } from "./canary.js";

process.env.AMPA_LOG_LEVEL = process.env.AMPA_TEST_LOG_LEVEL ?? "debug";
// JSON lines even on a terminal: the scan below drops them from the report.
process.env.AMPA_LOG_FORMAT ??= "json";

const PATCHED = Symbol.for("ampa.secretScan.writeSync");
const patchedFs = fs as typeof fs & { [PATCHED]?: boolean };
if (!patchedFs[PATCHED]) {
  patchedFs[PATCHED] = true;
  const writeSync = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
  (fs as { writeSync: unknown }).writeSync = (fd: unknown, data: unknown, ...rest: unknown[]) => {
    if (fd === 1 || fd === 2) {
      const text = typeof data === "string" ? data : Buffer.from(data as Uint8Array).toString();
      scanForCanary(fd === 1 ? "stdout" : "stderr", text);
      // The service's own log lines: scanned above, kept out of the test report.
      if (text.startsWith('{"level":') && !process.env.AMPA_TEST_SHOW_LOGS)
        return Buffer.byteLength(text);
    }
    return writeSync(fd, data, ...rest);
  };
}

afterEach(async () => {
  await runAfterTestScans();
  const leaks = takeLeaks();
  if (leaks.length > 0) throw new Error(`The canary webhook token leaked:\n${leaks.join("\n")}`);
});

// What was scanned, per test file, for docs/reliability.md (local state, not committed).
afterAll(() => {
  const report = resolve(import.meta.dirname, "../../.ampa/secret-scan.jsonl");
  fs.mkdirSync(resolve(report, ".."), { recursive: true });
  fs.appendFileSync(
    report,
    `${JSON.stringify({ file: expect.getState().testPath, ...scanned })}\n`,
  );
});
