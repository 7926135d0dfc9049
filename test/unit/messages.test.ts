import { describe, expect, it } from "vitest";
import { commandMessage, commandTitle, startupMessage } from "../../src/lib/app/notify/messages.js";

const noSummary = async () => undefined;

describe("messages", () => {
  it("titles a command by title, else metadata.discord_label, else id", () => {
    expect(
      commandTitle({ id: "x", title: "Stats", metadata: { discord_label: "wl status" } }),
    ).toBe("Stats");
    expect(commandTitle({ id: "x", metadata: { discord_label: "wl status" } })).toBe("wl status");
    expect(commandTitle({ id: "x", metadata: {} })).toBe("x");
  });

  it("carries the output under `# <title>` and nothing for machines", async () => {
    const text = await commandMessage(
      { id: "wl-stats", title: "Stats", metadata: {} },
      { output: "4 open items\n", outcome: "success" },
      noSummary,
    );
    expect(text).toBe("# Stats\n\n4 open items");
    expect(text).not.toMatch(/command_id:|exit_code:|wl-stats/);
  });

  it("summarizes output over 1,000 characters, else cuts it with a marker", async () => {
    const long = "y".repeat(5000);
    const summarized = await commandMessage(
      { id: "a", metadata: {} },
      { output: long, outcome: "success" },
      async (t) => `summary of ${t.length} chars`,
    );
    expect(summarized).toBe("# a\n\nsummary of 5000 chars");
    const cut = await commandMessage(
      { id: "a", metadata: {} },
      { output: long, outcome: "failure" },
      noSummary,
    );
    expect(cut.length).toBeLessThan(1100);
    expect(cut).toContain("(output truncated)");
    expect(cut).toContain("The command failed.");
  });

  it("says so when `wl status` is unavailable at startup", () => {
    expect(startupMessage(undefined)).toBe("# Scheduler Started\n\n(wl status unavailable)");
    expect(startupMessage("Initialized: Yes\n")).toContain("Initialized: Yes");
  });
});
