import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { main } from "../../src/cli/main.js";
import { type CommandModule, registerCommandType } from "../../src/lib/app/commands/registry.js";
import { cliHarness } from "../support/harness.js";

/*
 * A new command type is one module (a folder under src/lib/app/commands/) and one line in
 * the registry. This file's module is the folder a contributor would write; it joins the
 * registry's list through registerCommandType, the list every other part derives from,
 * and is then run through the real CLI, in process: add, run-once, status, simulate.
 */

let simulatedRuns = 0;

const echo: CommandModule = {
  type: "echo",
  runtime: "function",
  metadataSchema: z.looseObject({
    times: z.number().int().min(1, "must be an integer of at least 1").optional(),
  }),
  runner: () => async (command) => ({
    exitCode: 0,
    output: Array(Number(command.metadata.times ?? 1))
      .fill(command.command)
      .join(" "),
    outputTruncatedBytes: 0,
    outcome: "success",
  }),
  statusLabel: "echoes",
  simulatedRunner: async () => {
    simulatedRuns++;
    return { exitCode: 0, output: "", outputTruncatedBytes: 0, outcome: "success" };
  },
};

const cli = cliHarness();

/** `ampa <args>` in this process (so it sees the registered module), its output captured. */
async function ampa(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const captured = { stdout: "", stderr: "" };
  const capture = (to: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array) => {
      captured[to] += String(chunk);
      return true;
    }) as typeof process.stdout.write;
  Object.assign(process.env, { AMPA_LOG_LEVEL: "silent" }, cli.env);
  process.stdout.write = capture("stdout");
  process.stderr.write = capture("stderr");
  try {
    return { code: await main(args), ...captured };
  } finally {
    Object.assign(process.stdout, { write: writes.stdout });
    Object.assign(process.stderr, { write: writes.stderr });
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

describe("a command type registered through the registry alone", () => {
  let unregister: () => void;
  beforeAll(() => {
    unregister = registerCommandType(echo);
  });
  afterAll(() => unregister());

  it("is added with its own metadata checked, run once, recorded and shown by status", async () => {
    const bad = await ampa([
      "add",
      "greet",
      "hi",
      "60",
      "0",
      "--type",
      "echo",
      "--metadata",
      '{"times":0}',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Invalid --metadata: times: must be an integer of at least 1");

    const added = await ampa([
      "add",
      "greet",
      "hi",
      "60",
      "0",
      "--type",
      "echo",
      "--metadata",
      '{"times":3}',
    ]);
    expect(added).toMatchObject({ code: 0 });

    const run = await ampa(["run-once", "greet", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      outcome: "success",
      exitCode: 0,
      output: "hi hi hi",
    });
    const [record] = await cli.store.listRuns("greet");
    expect(record).toMatchObject({
      commandId: "greet",
      trigger: "run-once",
      outcome: "success",
      output: "hi hi hi",
      runtime: "function",
    });
    // Not self-announcing: the generic per-run post went out.
    expect(record?.notified).toBe("sent");

    const status = await ampa(["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^greet\s+echoes\s+1h\s+0\s+\w+/m);
  });

  it("is simulated with the runner its module gives the simulator", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ampa-echo-"));
    const workload = join(dir, "workload.json");
    writeFileSync(
      workload,
      JSON.stringify([
        { id: "e", type: "echo", frequency_minutes: 2, priority: 0 },
        { id: "s", frequency_minutes: 2, priority: 0 },
      ]),
    );
    simulatedRuns = 0;
    const args = [
      "simulate",
      "--workload",
      workload,
      "--duration",
      "600",
      "--global-min-interval",
      "60",
      "--json",
    ];
    const simulated = await ampa(args);
    expect(simulated.code).toBe(0);
    const result = JSON.parse(simulated.stdout);
    const runs = Object.fromEntries(
      result.commands.map((c: { id: string; runs: number }) => [c.id, c.runs]),
    );
    expect(runs).toEqual({ e: 5, s: 5 });
    expect(simulatedRuns).toBe(5);
  });

  it("cannot be registered twice, nor under a name that is not a type name", () => {
    expect(() => registerCommandType({ ...echo })).toThrow(
      "command type echo is already registered",
    );
    expect(() => registerCommandType({ ...echo, type: "Echo Two" })).toThrow(
      'command type "Echo Two" is not a type name',
    );
  });

  it("leaves stored commands of its type skipped as corrupt, never run, once it leaves the registry", async () => {
    expect(await ampa(["add", "kept", "hi", "1", "0", "--type", "echo"])).toMatchObject({
      code: 0,
    });
    unregister();
    try {
      // Written by a build that had the type: this one reports the item and runs nothing.
      const status = await ampa(["status"]);
      expect(status.code).toBe(0);
      expect(status.stderr).toContain(
        'skipping corrupt item CMD/kept: corrupt command item kept: its type "echo" is not a command type this build knows',
      );
      expect(status.stdout).not.toMatch(/^kept\s/m);
      const run = await ampa(["run-once", "kept"]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('its type "echo" is not a command type this build knows');
      expect(await cli.store.listRuns("kept")).toEqual([]);
    } finally {
      unregister = registerCommandType(echo);
    }
  });

  it("is refused by name once it leaves the registry", async () => {
    unregister();
    const refused = await ampa(["add", "later", "hi", "60", "0", "--type", "echo"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("argument 'echo' is invalid");
    unregister = registerCommandType(echo);
  });
});
