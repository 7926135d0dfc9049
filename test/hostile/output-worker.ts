// A separate process that runs one shell command printing `bytes` of output through the
// shell runner, then reports what was kept and its own peak RSS (so the test process's
// memory does not blur the figure). Usage: output-worker.ts <bytes> <maxOutputBytes>.
import { tmpdir } from "node:os";
import { runShell } from "../../src/lib/adapters/process/shell.js";

const [bytes = "0", maxOutputBytes = "262144"] = process.argv.slice(2);
const result = await runShell(`yes 'ünïcödé 👋 output line' | head -c ${Number(bytes)}`, {
  cwd: tmpdir(),
  timeoutMs: 120_000,
  maxOutputBytes: Number(maxOutputBytes),
});
process.stdout.write(
  JSON.stringify({
    exitCode: result.exitCode,
    keptBytes: Buffer.byteLength(result.output),
    droppedBytes: result.outputTruncatedBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
