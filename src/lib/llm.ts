import { request } from "undici";
import type { Logger } from "./log.js";

/** Sent by AMPA's own /health, so the LLM probe never mistakes AMPA for an LLM. */
export const AMPA_SERVICE_HEADER = "x-ampa-service";

/**
 * True when the LLM health URL answers 2xx within the timeout and is not AMPA itself
 * (the seed's defaults point the probe at port 8000, where AMPA serves /health).
 */
export async function probeLlm(url: string, timeoutMs: number, log: Logger): Promise<boolean> {
  try {
    const res = await request(url, {
      method: "GET",
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    if (res.headers[AMPA_SERVICE_HEADER] !== undefined) {
      log.warn(
        { url },
        "AMPA_LLM_HEALTHCHECK_URL answers with AMPA's own /health, not an LLM: treating the LLM as unavailable",
      );
      return false;
    }
    const up = res.statusCode >= 200 && res.statusCode < 300;
    if (!up) log.info({ url, status: res.statusCode }, "LLM health check failed");
    return up;
  } catch (err) {
    log.info({ url, err: (err as Error).message }, "LLM health check unreachable");
    return false;
  }
}
