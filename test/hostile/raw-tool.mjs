// A stand-in for wl, opencode or gh that answers chosen argv with exact bytes (invalid UTF-8,
// huge or truncated JSON...). Usage: raw-tool.mjs <program> <responses dir> <argv...>.
// Other argv go to the usual double (test/doubles), which records the call itself.
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [program, dir, ...argv] = process.argv.slice(2);
const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
const file = index[argv.join(" ")];
if (file === undefined) {
  process.argv = [process.argv[0], process.argv[1], ...argv];
  await import(`../doubles/${program}.mjs`);
} else {
  appendFileSync(
    join(process.env.AMPA_DOUBLES_DIR, "calls.jsonl"),
    `${JSON.stringify({ program, argv, cwd: process.cwd() })}\n`,
  );
  process.stdout.write(readFileSync(file), () => process.exit(0));
}
