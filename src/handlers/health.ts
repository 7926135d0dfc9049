import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AMPA_SERVICE_HEADER } from "../lib/http.js";

/**
 * GET /health. Minimal for now: AMPA is up. The header marks the answer as AMPA's own so
 * the LLM probe never takes it for an LLM.
 */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  return {
    statusCode: 200,
    headers: { "content-type": "text/plain; charset=utf-8", [AMPA_SERVICE_HEADER]: "health" },
    body: "OK",
  };
}
