import type { Context, ScheduledEvent } from "aws-lambda";
import type { PassResult } from "../lib/app/tick.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";
import { tick } from "../lib/runtime/lambda-root.js";

/** EventBridge `rate(1 minute)`: pick what runs next and hand it to runCommand. */
export const handler: (
  event: Partial<ScheduledEvent>,
  context: Context,
) => Promise<{ passes: PassResult[] }> = lambdaHandler(
  "tick",
  async (invocation) => ({ passes: await tick(invocation, invocation.event.time) }),
  { requestIdKey: "tickId" },
);
