// Test double for `opencode run "<prompt>"`: free text on stdout. opencode.json holds
// {responses: [{prefix, stdout?, stderr?, exit?, sleepMs?}], default?}; the first response
// whose prefix starts the prompt wins.
import { readFixture, record, sleep } from "./common.mjs";

record("opencode");
const [cmd, prompt = ""] = process.argv.slice(2);
if (cmd !== "run") {
  process.stderr.write(`unknown command ${cmd}\n`);
  process.exit(1);
}
const fixture = readFixture("opencode.json", {});
const response = (fixture.responses ?? []).find((r) => prompt.startsWith(r.prefix)) ??
  fixture.default ?? { stdout: `done: ${prompt.slice(0, 60)}\n` };
if (response.sleepMs) await sleep(response.sleepMs);
if (response.stdout) process.stdout.write(response.stdout);
if (response.stderr) process.stderr.write(response.stderr);
process.exit(response.exit ?? 0);
