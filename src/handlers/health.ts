import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AMPA_SERVICE_HEADER } from "../lib/core/service-header.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";

function answer(configured: boolean): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: configured ? 200 : 503,
    headers: { "content-type": "text/plain; charset=utf-8", [AMPA_SERVICE_HEADER]: "health" },
    body: configured ? "OK" : "misconfigured",
  };
}

/**
 * GET /health: `200 OK` when a Discord webhook resolves, `503 misconfigured` when none does
 * or it cannot be resolved (the seed's fatal misconfiguration). The header marks the answer
 * as AMPA's own so the LLM probe never takes it for an LLM.
 */
export const handler: (event?: unknown) => Promise<APIGatewayProxyStructuredResultV2> =
  lambdaHandler("health", async ({ app }) => answer((await app.webhook()) !== undefined), {
    onError: () => answer(false),
    failureLog: "health: could not resolve the webhook",
  });
