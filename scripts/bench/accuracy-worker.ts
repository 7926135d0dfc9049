// One of the accuracy section's worker processes (accuracy.ts spawns them, so the
// workloads' simulations use every core): simulates the workloads named on the command
// line with the configuration given as JSON, and prints their results as JSON on stdout.
import type { Config } from "../../src/lib/core/config.js";
import { simulateCase } from "./accuracy.js";
import { log } from "./format.js";
import { WORKLOADS } from "./workloads.js";

const [configJson, ...names] = process.argv.slice(2);
const config = JSON.parse(configJson ?? "{}") as Config;
const results = [];
for (const w of WORKLOADS.filter((x) => names.includes(x.name))) {
  log(`accuracy: ${w.name}`);
  results.push({ name: w.name, result: await simulateCase(w, config) });
}
process.stdout.write(JSON.stringify(results));
