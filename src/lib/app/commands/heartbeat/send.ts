import { HEARTBEAT_MESSAGE } from "../../notify/messages.js";
import type { Clock, Notify, NotifyStore, RunnerResult } from "../../../core/ports.js";

/** A heartbeat is not sent when a non-heartbeat message went out this recently (seed rule). */
export const HEARTBEAT_QUIET_MS = 5 * 60_000;

/** Exit code of a heartbeat that cannot be sent because no webhook is configured. */
export const NO_WEBHOOK_EXIT_CODE = 2;

export const NO_WEBHOOK_MESSAGE =
  "No Discord webhook configured: set AMPA_DISCORD_WEBHOOK (environment or .env) or the SSM parameter named by AMPA_DISCORD_WEBHOOK_PARAM.";

export interface HeartbeatDeps {
  notifier: Notify;
  store: NotifyStore;
  clock: Clock;
}

/**
 * Sends `# AMPA Heartbeat`. Scheduled heartbeats (`force: false`) stay quiet while other
 * messages show AMPA is alive; one-shot heartbeats (`ampa heartbeat`, the heartbeat
 * function, POST /heartbeat) always send.
 */
export async function sendHeartbeat(
  deps: HeartbeatDeps,
  opts: { force: boolean },
): Promise<RunnerResult> {
  const { notifier, store, clock } = deps;
  if (!(await notifier.configured())) {
    await store.incrementCounter("ampa_heartbeat_failure_total");
    return {
      exitCode: NO_WEBHOOK_EXIT_CODE,
      output: NO_WEBHOOK_MESSAGE,
      outputTruncatedBytes: 0,
      outcome: "failure",
    };
  }
  if (!opts.force) {
    const { lastNonHeartbeatAt } = await store.getNotifyState();
    const since = lastNonHeartbeatAt === undefined ? undefined : clock() - lastNonHeartbeatAt;
    if (since !== undefined && since < HEARTBEAT_QUIET_MS) {
      return {
        exitCode: 0,
        output: `Heartbeat skipped: a message went out ${Math.round(since / 1000)} s ago.`,
        outputTruncatedBytes: 0,
        outcome: "success",
      };
    }
  }
  const sent = await notifier.send("heartbeat", HEARTBEAT_MESSAGE);
  if (sent.delivered) {
    await store.incrementCounter("ampa_heartbeat_sent_total");
    return { exitCode: 0, output: "Heartbeat sent.", outputTruncatedBytes: 0, outcome: "success" };
  }
  await store.incrementCounter("ampa_heartbeat_failure_total");
  return {
    exitCode: 1,
    output: `Heartbeat not delivered (${sent.reason ?? "unknown reason"}); kept as a dead letter.`,
    outputTruncatedBytes: 0,
    outcome: "failure",
  };
}
