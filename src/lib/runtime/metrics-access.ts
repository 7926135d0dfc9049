import { booleanish } from "./config-values.js";

/**
 * Whether /metrics may answer without a token on AWS: the stage's `metricsPublic` param,
 * which serverless.yml passes to the metrics function as AMPA_METRICS_PUBLIC. Read per
 * request; anything but a clear yes (unset, empty, a typo) is no, so /metrics fails closed.
 */
export function metricsPublic(env: NodeJS.ProcessEnv = process.env): boolean {
  const parsed = booleanish.safeParse(env.AMPA_METRICS_PUBLIC ?? "");
  return parsed.success && parsed.data;
}
