// Test double for a program AMPA starts (an agent, a shell command, the summarizer's
// opencode) that tries to steal what the worker holds: it writes its own process.env,
// its cwd and what its cwd holds, and the text of every /proc/<pid>/environ it can read,
// to <out dir>/<pid>.json. Usage: env-dump.mjs <out dir> [argv…]; prints "done".
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [outDir, ...argv] = process.argv.slice(2);
const environs = {};
for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
  try {
    environs[pid] = readFileSync(`/proc/${pid}/environ`, "utf8");
  } catch {
    // Not readable by this uid: as it should be, once agents run as their own user.
  }
}
const dump = {
  pid: process.pid,
  argv,
  cwd: process.cwd(),
  cwdEntries: readdirSync(process.cwd()),
  env: process.env,
  environs,
};
writeFileSync(join(outDir, `${process.pid}.json`), JSON.stringify(dump));
process.stdout.write("done\n");
