import { Gauge, Registry } from "prom-client";
import type { Command } from "./command.js";
import { isRunning } from "./scheduler/select.js";

/**
 * Prometheus exposition built from what is in the table, never from container memory:
 * any Lambda container answers the same.
 */
export async function renderMetrics(
  commands: readonly Command[],
  corruptItems: number,
  now: number,
): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const lastRun = gauge(
    "ampa_command_last_run_timestamp_seconds",
    "Start of the last run (epoch seconds)",
    ["command"],
  );
  const lastDuration = gauge(
    "ampa_command_last_duration_seconds",
    "Duration of the last finished run",
    ["command"],
  );
  const lastExit = gauge("ampa_command_last_exit_code", "Exit code of the last finished run", [
    "command",
  ]);
  const states = gauge("ampa_commands", "Commands by state", ["state"]);
  const corrupt = gauge(
    "ampa_store_corrupt_command_items",
    "Command items that do not parse and are skipped",
  );
  const counts = { paused: 0, running: 0, idle: 0 };
  for (const c of commands) {
    if (c.lastStartAt !== undefined) lastRun.set({ command: c.id }, c.lastStartAt / 1000);
    if (c.lastDurationMs !== undefined)
      lastDuration.set({ command: c.id }, c.lastDurationMs / 1000);
    if (c.lastExitCode !== undefined) lastExit.set({ command: c.id }, c.lastExitCode);
    counts[c.paused ? "paused" : isRunning(c, now) ? "running" : "idle"]++;
  }
  for (const [state, n] of Object.entries(counts)) states.set({ state }, n);
  corrupt.set(corruptItems);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
