// Shared by the wl, opencode and gh test doubles: fixture files and the call log live in
// $AMPA_DOUBLES_DIR. Every call appends {program, argv, cwd} to calls.jsonl.
import { appendFileSync, existsSync, readFileSync, writeFileSync, writeSync } from "node:fs";
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

/**
 * Writes all of `text` to fd 1 or 2 before returning. process.stdout.write to a pipe may
 * still be pending when process.exit() runs, which cut outputs over 64 KB short.
 */
export function writeOut(fd, text) {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length;) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      if (err.code !== "EAGAIN") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

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
  if (response.stdout) writeOut(1, response.stdout);
  if (response.stderr) writeOut(2, response.stderr);
  process.exit(response.exit ?? 0);
}
