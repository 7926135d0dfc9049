// Test double for `opencode run "<prompt>"`: free text on stdout. opencode.json holds
// {responses: [{prefix, stdout?, stderr?, exit?, sleepMs?}], default?}; the first response
// whose prefix starts the prompt wins.
import { readFixture, record, sleep, writeOut } from "./common.mjs";

record("opencode");
const [cmd, prompt = ""] = process.argv.slice(2);
if (cmd !== "run") {
  writeOut(2, `unknown command ${cmd}\n`);
  process.exit(1);
}
const fixture = readFixture("opencode.json", {});
const response = (fixture.responses ?? []).find((r) => prompt.startsWith(r.prefix)) ??
  fixture.default ?? { stdout: `done: ${prompt.slice(0, 60)}\n` };
if (response.sleepMs) await sleep(response.sleepMs);
if (response.stdout) writeOut(1, response.stdout);
if (response.stderr) writeOut(2, response.stderr);
process.exit(response.exit ?? 0);
