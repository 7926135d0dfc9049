import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { sendHeartbeat } from "../lib/app/commands/heartbeat/send.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";

export interface HeartbeatResult {
  sent: boolean;
  exitCode: number;
  message: string;
}

function isHttpEvent(event: unknown): boolean {
  return typeof event === "object" && event !== null && "requestContext" in event;
}

/**
 * One heartbeat now, whatever the schedule: `osls invoke -f heartbeat` (the seed's
 * `--once`) and `POST /heartbeat` (IAM-authorized on AWS). No webhook → exit code 2.
 */
export const handler: (
  event: unknown,
  context: Context,
) => Promise<HeartbeatResult | APIGatewayProxyStructuredResultV2> = lambdaHandler(
  "heartbeat",
  async ({ app, event, services }) => {
    const result = await sendHeartbeat(
      { notifier: services.notifier, store: app.store, clock: Date.now },
      { force: true },
    );
    const body: HeartbeatResult = {
      sent: result.exitCode === 0,
      exitCode: result.exitCode,
      message: result.output,
    };
    if (!isHttpEvent(event)) return body;
    return {
      statusCode: body.sent ? 200 : body.exitCode === 2 ? 503 : 502,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    };
  },
);
