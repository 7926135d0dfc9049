import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { answerRequest } from "../lib/app/discord/endpoint.js";
import { completeJob, parseJob } from "../lib/app/discord/follow-up.js";
import { endpointDeps, followUpDeps } from "../lib/runtime/discord.js";
import { handler as lambdaHandler } from "../lib/runtime/handler.js";

/** Header names in lower case: HTTP API v2 sends them so, a test or proxy may not. */
function lowerCaseHeaders(headers: Record<string, string | undefined> = {}) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The raw body's bytes: the signature covers them, not a re-encoding. */
function rawBody(event: Partial<APIGatewayProxyEventV2>): Buffer {
  return Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
}

/**
 * POST /discord/interactions (Discord's Interactions Endpoint URL), and the follow-ups it
 * hands itself (`{ discordJob }`, an asynchronous invocation from this function only: its
 * role is the one allowed to invoke it). See src/lib/app/discord/endpoint.ts.
 */
export const handler: (event: unknown) => Promise<APIGatewayProxyStructuredResultV2 | null> =
  lambdaHandler(
    "interactions",
    async (inv) => {
      const event = (inv.event ?? {}) as Partial<APIGatewayProxyEventV2> & { discordJob?: unknown };
      if (event.discordJob !== undefined) {
        const job = parseJob(event.discordJob);
        if (!job) throw new Error("interactions: not a follow-up job");
        await completeJob(followUpDeps(inv), job);
        return null;
      }
      const answer = await answerRequest(endpointDeps(inv), {
        headers: lowerCaseHeaders(event.headers),
        body: rawBody(event),
      });
      return {
        statusCode: answer.status,
        headers: { "content-type": answer.contentType },
        body: answer.body,
      };
    },
    {
      onError: () => ({
        statusCode: 503,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: "unavailable\n",
      }),
      failureLog: "interactions: could not answer",
    },
  );
