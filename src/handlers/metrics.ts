import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { app } from "../lib/app.js";
import { renderMetrics } from "../lib/metrics.js";

/** GET /metrics: Prometheus text format from the state table. */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  const { store, log } = app();
  try {
    const { commands, corrupt } = await store.listCommands();
    const { contentType, body } = await renderMetrics(commands, corrupt.length, Date.now());
    return { statusCode: 200, headers: { "content-type": contentType }, body };
  } catch (err) {
    log.error({ err: (err as Error).message }, "metrics: store unavailable");
    return {
      statusCode: 503,
      headers: { "content-type": "text/plain" },
      body: "store unavailable\n",
    };
  }
}
