import { asError, type Logger } from "../core/logger.js";
import type { Notify } from "../core/ports.js";
import type { RunResult } from "../core/run-record.js";
import { redactSecrets } from "../core/secrets.js";

/** Redaction where a run's result leaves it (app/run.ts executeClaim and failClaim). */

/**
 * The one place a run's output is redacted, for every runtime (function, task, inline,
 * run-once): before it is cut, recorded, logged, posted or summarized.
 */
export function redactedResult(result: RunResult): RunResult {
  return { ...result, output: redactSecrets(result.output) };
}

/**
 * Resolves the webhook before the run: one read from SSM is registered for redaction
 * then, before the program can print it (else only the post would be redacted). Never
 * throws: a webhook that cannot be read is the post's problem, not the run's.
 */
export async function resolveWebhookFirst(deps: { notifier?: Notify }, log: Logger): Promise<void> {
  try {
    await deps.notifier?.configured();
  } catch (err) {
    log.warn({ err: asError(err).message }, "webhook not resolved before the run");
  }
}
