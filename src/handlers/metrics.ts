import { createHash, timingSafeEqual } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { renderMetrics } from "../lib/adapters/prometheus.js";
import { commandRuntime } from "../lib/app/commands/registry.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";
import { asError } from "../lib/runtime/log.js";
import { metricsPublic } from "../lib/runtime/metrics-access.js";

const text = (statusCode: number, body: string, extra: Record<string, string> = {}) => ({
  statusCode,
  headers: { "content-type": "text/plain; charset=utf-8", ...extra },
  body,
});

/**
 * True when `authorization` is `Bearer <token>`. Both sides are hashed first, so the
 * comparison takes the same time whatever the header holds (timingSafeEqual needs equal
 * lengths, and a length check would leak the token's).
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(authorization ?? ""), digest(`Bearer ${token}`));
}

/** HTTP API v2 lowercases header names; a direct invocation may send none. */
function authorizationOf(event: unknown): string | undefined {
  const headers = (event as Partial<APIGatewayProxyEventV2> | undefined)?.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === "authorization");
  return key === undefined ? undefined : headers[key];
}

/**
 * GET /metrics: Prometheus text format from the state table; 503 when it cannot be read.
 * When a token is configured (AMPA_METRICS_TOKEN, else the SSM parameter
 * /ampa/<stage>/metrics-token), a request without `Authorization: Bearer <token>` gets 401.
 * On AWS Lambda without a token it answers 503 unless the stage was deployed with
 * `metricsPublic: true`; locally (serverless-offline, `osls invoke local`, loopback) it
 * stays open.
 */
export const handler: (event?: unknown) => Promise<APIGatewayProxyStructuredResultV2> =
  lambdaHandler(
    "metrics",
    async ({ app: { store, log, metricsToken, config }, event }) => {
      let token: string | undefined;
      try {
        token = await metricsToken();
      } catch (err) {
        // Fail closed: without knowing the token, nothing is shown.
        log.error({ err: asError(err).message }, "metrics: could not read the metrics token");
        return text(503, "authorization unavailable\n");
      }
      // Fail closed on AWS: a missing parameter must not publish the scheduler's state.
      if (token === undefined && config.onLambda && !metricsPublic()) {
        log.error(
          { param: config.metricsTokenParam },
          "metrics: no metrics token and the stage is not deployed with metricsPublic: true; refusing",
        );
        return text(503, "authorization not configured\n");
      }
      if (token !== undefined && !bearerMatches(authorizationOf(event), token)) {
        return text(401, "unauthorized\n", { "www-authenticate": 'Bearer realm="ampa-metrics"' });
      }
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
        runtimeOf: commandRuntime,
        corruptItems: corrupt.length,
        stored,
        notify,
        deadLetters,
        now: Date.now(),
      });
      return { statusCode: 200, headers: { "content-type": contentType }, body };
    },
    {
      onError: () => text(503, "store unavailable\n"),
      failureLog: "metrics: store unavailable",
    },
  );
