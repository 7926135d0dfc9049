import { AMPA_SERVICE_HEADER } from "../core/service-header.js";
import type { Logger } from "../core/logger.js";

/**
 * True when the LLM health URL answers 2xx within the timeout and is not AMPA itself
 * (the seed's defaults point the probe at port 8000, where AMPA serves /health).
 * Uses the runtime's fetch (undici inside Node) so the tick bundle stays small.
 */
export async function probeLlm(url: string, timeoutMs: number, log: Logger): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: "GET",
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    if (res.headers.has(AMPA_SERVICE_HEADER)) {
      log.warn(
        { url },
        "AMPA_LLM_HEALTHCHECK_URL answers with AMPA's own /health, not an LLM: treating the LLM as unavailable",
      );
      return false;
    }
    if (!res.ok) log.info({ url, status: res.status }, "LLM health check failed");
    return res.ok;
  } catch (err) {
    log.info({ url, err: (err as Error).message }, "LLM health check unreachable");
    return false;
  }
}
