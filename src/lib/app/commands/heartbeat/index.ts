import type { Runner } from "../../../core/ports.js";
import type { CommandModule } from "../module.js";
import { sendHeartbeat } from "./send.js";

/** A heartbeat with nowhere to send it: an honest failure, not a fake success. */
const noNotifierRunner: Runner = async () => ({
  exitCode: 2,
  output: "Heartbeats need a notifier; none was configured for this process.",
  outputTruncatedBytes: 0,
  outcome: "failure",
});

const type = "heartbeat";

/**
 * `# AMPA Heartbeat` on a schedule (send.ts), quiet while other messages show AMPA alive.
 * It is its own post, even when it fails: never a generic one.
 */
export const heartbeat: CommandModule = {
  type,
  runtime: "function",
  selfAnnouncing: "always",
  runner: ({ heartbeat: deps }) =>
    deps ? () => sendHeartbeat(deps, { force: false }) : noNotifierRunner,
  examples: ({ heartbeatMinutes }) => [
    {
      id: type,
      command: "",
      title: "Scheduler Heartbeat",
      type,
      frequencyMinutes: heartbeatMinutes,
      priority: 1,
      requiresLlm: false,
      metadata: {},
      maxRuntimeMinutes: 1,
      paused: false,
    },
  ],
};
