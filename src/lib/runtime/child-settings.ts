import { opencodeSummarizer } from "../adapters/process/programs.js";
import type { Summarizer } from "../core/ports.js";
import { booleanish } from "./config-values.js";

/**
 * Opt-in, read from the worker's own environment (config-values.ts CHILD_VARIABLES):
 * long output is summarized by `opencode run` instead of being cut.
 */
export const SUMMARIZE_VARIABLE = "AMPA_SUMMARIZE_WITH_AGENT";

/**
 * The summarizer when AMPA_SUMMARIZE_WITH_AGENT is on, else none (long output is cut).
 * Off by default: opencode's own permission config is what denies the agent its tools,
 * and AMPA cannot check that the installed version honours it.
 */
export function summarizerFromEnv(env: NodeJS.ProcessEnv = process.env): Summarizer | undefined {
  return summarizingWithAgent(env) ? opencodeSummarizer(30_000, 1000, env) : undefined;
}

/** Whether the operator turned the agent summarizer on (AMPA_SUMMARIZE_WITH_AGENT). */
export function summarizingWithAgent(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = booleanish.safeParse(env[SUMMARIZE_VARIABLE] ?? "0");
  return on.success && on.data;
}
