import type { Store } from "../adapters/dynamodb/store.js";
import { renderMetrics } from "../adapters/prometheus.js";
import { commandRuntime } from "../app/commands/registry.js";
import type { Logger } from "./log.js";

type MetricsSource = Pick<
  Store,
  "listCommands" | "listMetrics" | "getNotifyState" | "countDeadLetters"
>;

/** The Prometheus text of the state table at `now`: what one scrape of /metrics reads. */
export async function metricsText(
  store: MetricsSource,
  log: Pick<Logger, "warn">,
  now: number,
): Promise<{ contentType: string; body: string }> {
  const [{ commands, corrupt }, stored, notify, deadLetters] = await Promise.all([
    store.listCommands(),
    store.listMetrics((item) =>
      log.warn({ key: item.key, error: item.error }, "metrics: skipping corrupt metric item"),
    ),
    store.getNotifyState(),
    store.countDeadLetters(),
  ]);
  return renderMetrics({
    commands,
    runtimeOf: commandRuntime,
    corruptItems: corrupt.length,
    stored,
    notify,
    deadLetters,
    now,
  });
}
