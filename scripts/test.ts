// `npm test`: the type check, lint and format check run beside the test suite instead of
// before it. Each of them uses one core for 15–25 s while vitest's files often wait on child
// processes, so side by side they fill the gaps instead of adding their time. vitest's
// output streams as usual; the checks' results (and a failed one's output) follow it. Arguments are
// passed to vitest (`npm test -- test/unit`). Exits non-zero when anything failed.
import { spawn } from "node:child_process";

interface Outcome {
  name: string;
  code: number;
  output: string;
}

function run(name: string, command: string, args: string[], quiet: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (err) => resolve({ name, code: 1, output: `${output}${err.message}\n` }));
    child.on("close", (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output }));
  });
}

const checks = [
  run("typecheck (tsc --noEmit)", "tsc", ["--noEmit"], true),
  run("lint (eslint .)", "eslint", ["."], true),
  run("format (prettier --check .)", "prettier", ["--check", "--log-level", "warn", "."], true),
];
const tests = await run("tests (vitest run)", "vitest", ["run", ...process.argv.slice(2)], false);

// After vitest's summary, so its live output is not interleaved with theirs.
const outcomes = [...(await Promise.all(checks)), tests];
for (const outcome of outcomes.slice(0, -1)) {
  process.stdout.write(`── ${outcome.name}: ${outcome.code === 0 ? "passed" : "FAILED"}\n`);
  if (outcome.code !== 0) process.stdout.write(outcome.output);
}
const failed = outcomes.filter((o) => o.code !== 0).map((o) => o.name);
if (failed.length > 0) process.stdout.write(`npm test failed: ${failed.join(", ")}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
