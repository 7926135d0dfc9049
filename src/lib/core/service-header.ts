/** Sent by AMPA's own /health, so the LLM probe never mistakes AMPA for an LLM. */
export const AMPA_SERVICE_HEADER = "x-ampa-service";
