import type { RunRecord } from "./command.js";
import { AmpaError, isConditionalCheckFailed, StoreUnavailableError } from "./errors.js";

/** DynamoDB's answers that mean "too much right now, try later". */
const THROTTLING = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "InternalServerError",
  "ServiceUnavailable",
  "TransactionConflictException",
]);

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

/**
 * True for a store failure that may pass if tried again: the store unreachable, a
 * throttle, a 5xx. False for an answer that will not change (a failed condition, an
 * invalid or oversized item), so retrying it only wastes the time left.
 */
export function isRetryableStoreError(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error) || isConditionalCheckFailed(err)) return false;
  const e = err as Error & {
    code?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (e.$retryable || THROTTLING.has(e.name) || e.name === "TimeoutError") return true;
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
  return (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

/**
 * A finished run the store would not take, even after retries: its result (redacted)
 * went to the log as one line instead; `run` is that result, for the CLI to print.
 */
export class ResultNotRecordedError extends AmpaError {
  override readonly name = "ResultNotRecordedError";
  constructor(
    readonly run: RunRecord,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `Run ${run.runId} of ${run.commandId} finished but its result could not be recorded (${why}); ` +
        `it is in the log ("run result not recorded", runId ${run.runId})`,
      "store-unavailable",
    );
    this.cause = cause;
  }
}
