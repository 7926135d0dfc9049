// Test double for `opencode run "<prompt>"`: free text on stdout. opencode.json holds
// {responses: [{prefix, stdout?, stderr?, exit?, sleepMs?, wl?}], default?}; the first
// response whose prefix starts the prompt wins. `wl` is a list of argv the agent runs with
// the `wl` on PATH before it answers, as a real agent moves its item along.
import { spawnSync } from "node:child_process";
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
for (const args of response.wl ?? []) {
  const ran = spawnSync("wl", args, { stdio: "ignore" });
  if (ran.status !== 0) {
    writeOut(2, `wl ${args.join(" ")} failed (${ran.status ?? ran.error?.message})\n`);
    process.exit(1);
  }
}
if (response.stdout) writeOut(1, response.stdout);
if (response.stderr) writeOut(2, response.stderr);
process.exit(response.exit ?? 0);
