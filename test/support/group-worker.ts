// A process that runs a program the way AMPA does and is then killed by a test: `shell`
// through the shell runner, `tool` through the wl/opencode/gh runner. The program writes
// its pid to the file given, then sleeps.
import { tmpdir } from "node:os";
import { runShell } from "../../src/lib/adapters/process/shell.js";
import { runTool } from "../../src/lib/adapters/process/tool.js";

const [mode = "", pidFile = ""] = process.argv.slice(2);
const script = 'echo $$ > "$0"; exec sleep 30';
if (mode === "shell")
  await runShell(`${script.replace('"$0"', JSON.stringify(pidFile))}`, {
    cwd: tmpdir(),
    timeoutMs: 60_000,
    maxOutputBytes: 1024,
  });
else await runTool("sh", ["-c", script, pidFile], { cwd: tmpdir(), timeoutMs: 60_000 });
