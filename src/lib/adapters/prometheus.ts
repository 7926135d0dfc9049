// By file, not from the package index: see src/types/prom-client-lib.d.ts.
import Counter from "prom-client/lib/counter.js";
import Gauge from "prom-client/lib/gauge.js";
import Registry from "prom-client/lib/registry.js";
import type { Command, Runtime } from "../core/command.js";
import { isRunning } from "../core/scheduler/select.js";
import type { NotifyState, StoredMetric } from "../core/ports.js";

/** Counters kept in the table (METRICS partition), with their help and labels. */
const STORED_COUNTERS: Record<string, { help: string; labelNames: string[] }> = {
  ampa_heartbeat_sent_total: { help: "Heartbeats delivered to Discord", labelNames: [] },
  ampa_heartbeat_failure_total: { help: "Heartbeats that could not be delivered", labelNames: [] },
  ampa_command_runs_total: {
    help: "Finished runs by command and outcome",
    labelNames: ["command", "outcome"],
  },
  ampa_scheduler_ticks_total: { help: "Scheduler tick invocations", labelNames: [] },
  ampa_lease_renewals_total: {
    help: "Lease renewals by running workers, by command",
    labelNames: ["command"],
  },
  ampa_dispatch_attempts_total: {
    help: "Work item dispatches to agents by action and what they came to (moved, unmoved, failed)",
    labelNames: ["action", "outcome"],
  },
  ampa_items_escalated_total: {
    help: "Work items left for a person after max_attempts dispatches that did not move them",
    labelNames: [],
  },
  ampa_discord_messages_total: {
    help: "Discord messages by kind and outcome (sent, dead_letter, redriven)",
    labelNames: ["kind", "outcome"],
  },
  ampa_agent_cost_usd_total: {
    help: "Cost in USD agents reported for their runs (claude, opencode, pi), by command and agent",
    labelNames: ["command", "agent"],
  },
  ampa_agent_tokens_total: {
    help: "Tokens agents reported for their runs, by command, agent and direction (input, output)",
    labelNames: ["command", "agent", "direction"],
  },
  ampa_task_compute_vcpu_seconds_total: {
    help: "vCPU-seconds of task runs (the task size times the run's duration), by command",
    labelNames: ["command"],
  },
  ampa_task_compute_gb_seconds_total: {
    help: "GB-seconds of task runs (the task memory times the run's duration), by command",
    labelNames: ["command"],
  },
};

export interface MetricsSnapshot {
  commands: readonly Command[];
  /** A command's runtime: its own or its type's default (app/commands/registry.ts). */
  runtimeOf: (command: Command) => Runtime;
  corruptItems: number;
  stored: readonly StoredMetric[];
  notify: NotifyState;
  deadLetters: number;
  now: number;
}

/**
 * Prometheus exposition built only from what is in the table, never from container
 * memory, so any two Lambda containers answer the same.
 */
export async function renderMetrics(
  s: MetricsSnapshot,
): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const counters = new Map<string, Counter>();
  for (const [name, def] of Object.entries(STORED_COUNTERS)) {
    counters.set(
      name,
      new Counter({ name, help: def.help, labelNames: def.labelNames, registers: [registry] }),
    );
  }
  for (const metric of s.stored) {
    const counter = counters.get(metric.name);
    const def = STORED_COUNTERS[metric.name];
    if (!counter || !def || metric.kind !== "counter") continue;
    const labels = Object.fromEntries(def.labelNames.map((l) => [l, metric.labels[l] ?? ""]));
    counter.inc(labels, metric.value);
  }
  // Counters without labels are shown at 0 before their first increment.
  for (const [name, def] of Object.entries(STORED_COUNTERS)) {
    if (def.labelNames.length === 0) counters.get(name)?.inc(0);
  }

  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  gauge(
    "ampa_last_heartbeat_timestamp_seconds",
    "Time of the last delivered heartbeat (epoch seconds)",
  ).set((s.notify.lastHeartbeatAt ?? 0) / 1000);
  gauge("ampa_deadletters", "Notifications waiting in the dead-letter store").set(s.deadLetters);
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
  const inProgress = gauge(
    "ampa_runs_in_progress",
    "Runs holding a live lease (1) or not (0), by command and runtime",
    ["command", "runtime"],
  );
  gauge("ampa_store_corrupt_command_items", "Command items that do not parse and are skipped").set(
    s.corruptItems,
  );
  const counts = { paused: 0, running: 0, idle: 0 };
  for (const c of s.commands) {
    if (c.lastStartAt !== undefined) lastRun.set({ command: c.id }, c.lastStartAt / 1000);
    if (c.lastDurationMs !== undefined)
      lastDuration.set({ command: c.id }, c.lastDurationMs / 1000);
    if (c.lastExitCode !== undefined) lastExit.set({ command: c.id }, c.lastExitCode);
    const running = isRunning(c, s.now);
    inProgress.set({ command: c.id, runtime: s.runtimeOf(c) }, running ? 1 : 0);
    counts[c.paused ? "paused" : running ? "running" : "idle"]++;
  }
  for (const [state, n] of Object.entries(counts)) states.set({ state }, n);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
