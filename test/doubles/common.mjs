// Shared by the wl, opencode and gh test doubles: fixture files and the call log live in
// $AMPA_DOUBLES_DIR. Every call appends {program, argv, cwd} to calls.jsonl.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export const dir = process.env.AMPA_DOUBLES_DIR;
if (!dir) {
  process.stderr.write("AMPA_DOUBLES_DIR is not set\n");
  process.exit(90);
}

export function record(program) {
  appendFileSync(
    join(dir, "calls.jsonl"),
    `${JSON.stringify({ program, argv: process.argv.slice(2), cwd: process.cwd() })}\n`,
  );
}

export function readFixture(name, fallback) {
  const file = join(dir, name);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : fallback;
}

export function writeFixture(name, value) {
  writeFileSync(join(dir, name), JSON.stringify(value, null, 2));
}

export const sleep = (ms) => delay(ms);

/** Fixture-scripted response for exact argv (`overrides` keyed by argv joined with spaces). */
export async function override(state, fixtureName) {
  const key = process.argv.slice(2).join(" ");
  const entry = state.overrides?.[key];
  if (!entry) return false;
  // A list is consumed in order; its last entry repeats.
  const list = Array.isArray(entry) ? entry : [entry];
  state.overrideCounts ??= {};
  const n = state.overrideCounts[key] ?? 0;
  state.overrideCounts[key] = n + 1;
  writeFixture(fixtureName, state);
  const response = list[Math.min(n, list.length - 1)];
  if (response === "fallthrough") return false;
  if (response.sleepMs) await sleep(response.sleepMs);
  if (response.stdout) process.stdout.write(response.stdout);
  if (response.stderr) process.stderr.write(response.stderr);
  process.exit(response.exit ?? 0);
}
