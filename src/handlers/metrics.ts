import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { renderMetrics } from "../lib/adapters/prometheus.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";

/** GET /metrics: Prometheus text format from the state table; 503 when it cannot be read. */
export const handler: (event?: unknown) => Promise<APIGatewayProxyStructuredResultV2> =
  lambdaHandler(
    "metrics",
    async ({ app: { store, log } }) => {
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
    },
    {
      onError: () => ({
        statusCode: 503,
        headers: { "content-type": "text/plain" },
        body: "store unavailable\n",
      }),
      failureLog: "metrics: store unavailable",
    },
  );
