import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/lib/core/command.js";
import { computeTime, fargateTaskSize, usageSums } from "../../src/lib/core/usage.js";
import { T0 } from "../support/commands.js";

/** A finished run of `commandId` with the given usage fields. */
function run(commandId: string, n: number, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    commandId,
    runId: `${commandId}-${n}`,
    trigger: "schedule",
    startedAt: T0 + n * 60_000,
    endedAt: T0 + n * 60_000 + 30_000,
    durationMs: 30_000,
    exitCode: 0,
    outcome: "success",
    output: "",
    outputTruncatedBytes: 0,
    ...fields,
  };
}

describe("the compute time of a task run", () => {
  it("reads a Fargate size in its own units: cpu 1024 = 1 vCPU, memory MiB / 1024 = GB", () => {
    expect(fargateTaskSize(1024, 2048)).toEqual({ vcpu: 1, memoryGb: 2 });
    expect(fargateTaskSize(256, 512)).toEqual({ vcpu: 0.25, memoryGb: 0.5 });
    expect(fargateTaskSize(4096, 30_720)).toEqual({ vcpu: 4, memoryGb: 30 });
  });

  it("is the duration times the vCPUs and times the memory in GB", () => {
    // 30 minutes at 1 vCPU / 2 GB.
    expect(computeTime(1_800_000, fargateTaskSize(1024, 2048))).toEqual({
      vcpuSeconds: 1800,
      gbSeconds: 3600,
    });
    // 90.5 s at 0.5 vCPU / 1 GB.
    expect(computeTime(90_500, fargateTaskSize(512, 1024))).toEqual({
      vcpuSeconds: 45.25,
      gbSeconds: 90.5,
    });
  });

  it("counts a zero (or clock-skewed negative) duration as none", () => {
    const size = fargateTaskSize(1024, 2048);
    expect(computeTime(0, size)).toEqual({ vcpuSeconds: 0, gbSeconds: 0 });
    expect(computeTime(-5000, size)).toEqual({ vcpuSeconds: 0, gbSeconds: 0 });
  });
});

describe("the usage sums over the runs on record", () => {
  const delegate = [
    run("delegate", 1, {
      agentUsage: [{ agent: "opencode", inputTokens: 1000, outputTokens: 200, costUsd: 0.5 }],
      compute: { vcpuSeconds: 600, gbSeconds: 1200 },
    }),
    run("delegate", 2, {
      agentUsage: [
        { agent: "opencode", inputTokens: 3000, outputTokens: 800, costUsd: 0.25 },
        { agent: "codex", inputTokens: 50, outputTokens: 5 },
      ],
      compute: { vcpuSeconds: 30, gbSeconds: 60 },
    }),
    // Failed before any agent ran, in a task: compute time, no usage.
    run("delegate", 3, { outcome: "failure", compute: { vcpuSeconds: 1.5, gbSeconds: 3 } }),
    // An older run, from before compute time was recorded.
    run("delegate", 4, {
      agentUsage: [{ agent: "codex", inputTokens: 70, outputTokens: 15 }],
    }),
  ];
  const audit = [
    run("audit", 1, {
      agentUsage: [{ agent: "claude", inputTokens: 10, outputTokens: 2, costUsd: 0.125 }],
    }),
  ];
  const shell = [run("date", 1), run("date", 2)];

  it("sums each command's runs per agent and its task compute time, commands and agents by name", () => {
    const sums = usageSums(
      [
        ["delegate", delegate],
        ["date", shell],
        ["audit", audit],
      ],
      50,
    );
    expect(sums).toEqual({
      maxRunsPerCommand: 50,
      commands: [
        {
          commandId: "audit",
          runs: 1,
          agents: [{ agent: "claude", runs: 1, inputTokens: 10, outputTokens: 2, costUsd: 0.125 }],
          compute: undefined,
        },
        {
          commandId: "delegate",
          runs: 4,
          agents: [
            // Codex reports no cost: none is made up.
            { agent: "codex", runs: 2, inputTokens: 120, outputTokens: 20, costUsd: undefined },
            { agent: "opencode", runs: 2, inputTokens: 4000, outputTokens: 1000, costUsd: 0.75 },
          ],
          compute: { runs: 3, vcpuSeconds: 631.5, gbSeconds: 1263 },
        },
      ],
    });
  });

  it("leaves out commands whose runs report nothing, and is empty without runs", () => {
    expect(usageSums([["date", shell]], 10)).toEqual({ maxRunsPerCommand: 10, commands: [] });
    expect(usageSums([], 10).commands).toEqual([]);
    expect(usageSums([["never", []]], 10).commands).toEqual([]);
  });

  it("sums a cost reported by only some runs of one agent over those runs", () => {
    const mixed = [
      run("m", 1, { agentUsage: [{ agent: "custom", inputTokens: 1, outputTokens: 1 }] }),
      run("m", 2, {
        agentUsage: [{ agent: "custom", inputTokens: 1, outputTokens: 1, costUsd: 0.0625 }],
      }),
    ];
    expect(usageSums([["m", mixed]], 50).commands[0]?.agents).toEqual([
      { agent: "custom", runs: 2, inputTokens: 2, outputTokens: 2, costUsd: 0.0625 },
    ]);
  });
});
