import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { knobs } from "../../src/lib/runtime/config-knobs.js";

/*
 * Every variable AMPA reads is documented in docs/configuration.md: the Config's knobs
 * (runtime/config-knobs.ts) and the few read at the moment of use
 * (runtime/process-settings.ts), the two places the environment is read.
 */

const root = join(import.meta.dirname, "..", "..");
const page = readFileSync(join(root, "docs", "configuration.md"), "utf8");
const readAtUse = readFileSync(join(root, "src", "lib", "runtime", "process-settings.ts"), "utf8");

/** Set by the dispatcher for the task worker it starts, never by an operator. */
const INTERNAL = new Set(["AMPA_CLAIM", "AMPA_LIVE_OUTPUT"]);

const undocumented = (names: Iterable<string>) =>
  [...names].filter((name) => !INTERNAL.has(name) && !page.includes(`\`${name}\``));

describe("docs/configuration.md", () => {
  it("documents every knob of the Config", () => {
    expect(Object.keys(knobs).length).toBeGreaterThan(40);
    expect(undocumented(Object.keys(knobs))).toEqual([]);
  });

  it("documents every variable read at the moment of use", () => {
    const names = new Set(readAtUse.match(/\bAMPA_[A-Z0-9_]+/g) ?? []);
    expect(names.size).toBeGreaterThan(5);
    expect(undocumented(names)).toEqual([]);
  });
});
