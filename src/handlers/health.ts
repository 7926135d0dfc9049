import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { app } from "../lib/runtime/app.js";
import { AMPA_SERVICE_HEADER } from "../lib/core/service-header.js";
import { asError } from "../lib/runtime/log.js";

/**
 * GET /health: `200 OK` when a Discord webhook resolves, `503 misconfigured` when none does
 * (the seed's fatal misconfiguration). The header marks the answer as AMPA's own so the
 * LLM probe never takes it for an LLM.
 */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  const a = app();
  let configured = false;
  try {
    configured = (await a.webhook()) !== undefined;
  } catch (err) {
    a.log.error({ err: asError(err).message }, "health: could not resolve the webhook");
  }
  return {
    statusCode: configured ? 200 : 503,
    headers: { "content-type": "text/plain; charset=utf-8", [AMPA_SERVICE_HEADER]: "health" },
    body: configured ? "OK" : "misconfigured",
  };
}
