import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { app } from "../lib/runtime/app.js";
import { asError } from "../lib/runtime/log.js";
import { renderMetrics } from "../lib/adapters/prometheus.js";

/** GET /metrics: Prometheus text format from the state table. */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  const { store, log } = app();
  try {
    const [{ commands, corrupt }, stored, notify, deadLetters] = await Promise.all([
      store.listCommands(),
      store.listMetrics((item) =>
        log.warn({ key: item.key, error: item.error }, "metrics: skipping corrupt metric item"),
      ),
      store.getNotifyState(),
      store.countDeadLetters(),
    ]);
    const { contentType, body } = await renderMetrics({
      commands,
      corruptItems: corrupt.length,
      stored,
      notify,
      deadLetters,
      now: Date.now(),
    });
    return { statusCode: 200, headers: { "content-type": contentType }, body };
  } catch (err) {
    log.error({ err: asError(err).message }, "metrics: store unavailable");
    return {
      statusCode: 503,
      headers: { "content-type": "text/plain" },
      body: "store unavailable\n",
    };
  }
}
