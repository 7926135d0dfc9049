import { afterEach, describe, expect, it } from "vitest";
import { alarmedMetric, configureEmf, emfLine, emitCounter } from "../../src/lib/adapters/emf.js";

afterEach(() => configureEmf(undefined));

describe("Embedded Metric Format lines", () => {
  it("is one JSON line CloudWatch reads as metric AMPA/<name> with dimension Stage", () => {
    const line = emfLine("prod", "DeadLetters", 1, 1_700_000_000_000);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: "AMPA",
            Dimensions: [["Stage"]],
            Metrics: [{ Name: "DeadLetters", Unit: "Count" }],
          },
        ],
      },
      Stage: "prod",
      DeadLetters: 1,
    });
  });

  it("maps only the series the alarms watch", () => {
    expect(alarmedMetric("ampa_command_runs_total", { command: "a", outcome: "abandoned" })).toBe(
      "RunsAbandoned",
    );
    expect(
      alarmedMetric("ampa_discord_messages_total", { kind: "command", outcome: "dead_letter" }),
    ).toBe("DeadLetters");
    expect(alarmedMetric("ampa_command_runs_total", { outcome: "success" })).toBeUndefined();
    expect(alarmedMetric("ampa_discord_messages_total", { outcome: "sent" })).toBeUndefined();
  });

  it("writes a line per alarmed increment once configured, and nothing before", () => {
    const lines: string[] = [];
    emitCounter("ampa_command_runs_total", { outcome: "abandoned" }, 1);
    configureEmf({ stage: "ci", write: (l) => lines.push(l), clock: () => 5 });
    emitCounter("ampa_command_runs_total", { outcome: "abandoned" }, 2);
    emitCounter("ampa_scheduler_ticks_total", {}, 1);
    expect(lines).toEqual([`${emfLine("ci", "RunsAbandoned", 2, 5)}\n`]);
  });
});
