import { opencodeSummarizer } from "../adapters/process/programs.js";
import type { Summarizer } from "../core/ports.js";
import { summarizingWithAgent } from "./process-settings.js";

/**
 * The summarizer when AMPA_SUMMARIZE_WITH_AGENT is on (runtime/process-settings.ts), else
 * none (long output is cut). Off by default: opencode's own permission config is what
 * denies the agent its tools, and AMPA cannot check that the installed version honours it.
 */
export function summarizerFromEnv(env: NodeJS.ProcessEnv = process.env): Summarizer | undefined {
  return summarizingWithAgent(env) ? opencodeSummarizer(30_000, 1000, env) : undefined;
}
