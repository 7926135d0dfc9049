import type { WorkloadCommand, WorkloadWithDynamics } from "../../src/lib/local/workload.js";

/** The accuracy section's workloads: issue 10's list, each simulated for 8 hours or more. */

export const HOUR_MS = 3_600_000;

export interface WorkloadCase {
  name: string;
  description: string;
  workload: WorkloadWithDynamics;
  /** Simulated time; long enough that every command has several intervals. */
  durationMs: number;
  /** Published Python daemon means (seconds), same order as the commands. */
  python?: number[];
}

const cmd = (
  id: string,
  frequency: number,
  priority = 0,
  extra: Partial<WorkloadCommand> = {},
): WorkloadCommand => ({ id, frequency_minutes: frequency, priority, ...extra });

const plain = (
  name: string,
  description: string,
  commands: WorkloadCommand[],
  more: Partial<WorkloadCase> = {},
): WorkloadCase => ({
  name,
  description,
  workload: { commands, llmDown: [] },
  durationMs: 8 * HOUR_MS,
  ...more,
});

export const WORKLOADS: WorkloadCase[] = [
  plain(
    "F1",
    "2, 5 and 10-minute commands (0.8 starts wanted per minute)",
    [cmd("f1-2m", 2), cmd("f1-5m", 5), cmd("f1-10m", 10)],
    { python: [180, 363, 726] },
  ),
  plain("F2", "one 1-minute command", [cmd("f2-1m", 1)], { python: [120] }),
  plain("F3", "three 3-minute commands", [cmd("f3-a", 3), cmd("f3-b", 3), cmd("f3-c", 3)], {
    python: [244, 242, 240],
  }),
  plain("C1", "2, 4, 8 and 8-minute commands: at capacity, exactly one start wanted per minute", [
    cmd("c1-2m", 2),
    cmd("c1-4m", 4),
    cmd("c1-8m-a", 8),
    cmd("c1-8m-b", 8),
  ]),
  plain(
    "W1",
    "1, 2 and 5-minute commands: overloaded, 1.7 starts wanted per minute",
    [cmd("w1-1m", 1), cmd("w1-2m", 2), cmd("w1-5m", 5)],
    { python: [120, 240, 484] },
  ),
  plain(
    "W3",
    "eight 1-minute commands with priorities 0..7: 8 starts wanted per minute",
    Array.from({ length: 8 }, (_, p) => cmd(`w3-p${p}`, 1, p)),
  ),
  plain(
    "P1",
    "five 2-minute commands with priorities 0, 2, 5, 8 and 10: 2.5 starts wanted per minute",
    [0, 2, 5, 8, 10].map((p) => cmd(`p1-p${p}`, 2, p)),
  ),
  plain(
    "L1",
    "a 60-minute command beside two 1-minute ones: overloaded, 2.02 starts wanted per minute (24 hours, so the 60-minute command has 8 intervals or more)",
    [cmd("l1-60m", 60), cmd("l1-1m-a", 1), cmd("l1-1m-b", 1)],
    { durationMs: 24 * HOUR_MS },
  ),
  plain(
    "D1",
    "three 3-minute commands, two of them paused and resumed: d1-b 1:01:30–2:00:30, d1-c 4:00:30–5:00:30 and 6:10:00–6:20:00",
    [
      cmd("d1-a", 3),
      cmd("d1-b", 3, 0, { paused: [[3690, 7230]] }),
      cmd("d1-c", 3, 0, {
        paused: [
          [14430, 18030],
          [22200, 22800],
        ],
      }),
    ],
  ),
  {
    name: "D2",
    description:
      "3 and 5-minute commands that need the LLM beside a 4-minute one that does not; the LLM is down 1:00:30–2:00:30 and 5:00:00–5:10:00",
    workload: {
      commands: [
        cmd("d2-llm-3m", 3, 0, { requires_llm: true }),
        cmd("d2-llm-5m", 5, 0, { requires_llm: true }),
        cmd("d2-4m", 4),
      ],
      llmDown: [
        [3630, 7230],
        [18000, 18600],
      ],
    },
    durationMs: 8 * HOUR_MS,
  },
  plain(
    "R1",
    "2, 5 and 10-minute commands whose runs take 90 s, 200 s and 420 s: longer than the 60 s global minimum",
    [
      cmd("r1-2m", 2, 0, { run_seconds: 90 }),
      cmd("r1-5m", 5, 0, { run_seconds: 200 }),
      cmd("r1-10m", 10, 0, { run_seconds: 420 }),
    ],
  ),
];
