import type { Context } from "aws-lambda";
import { untilDeadline } from "../core/deadline.js";
import { AmpaError, ConfigError } from "../core/errors.js";
import { type Invocation, invocation } from "./lambda-root.js";
import { asError, createLogger, type Logger } from "./log.js";

export type { Invocation } from "./lambda-root.js";

/** A failed invocation, as a handler may answer it. */
export interface Failure {
  error: unknown;
  /** A domain error (core/errors.ts): bad input or the store, not a bug. */
  domain: boolean;
  /** Fit to show the caller: a domain error's own message, anything else a generic one. */
  message: string;
}

/** Unknown errors may carry internals (SDK details, paths): a caller gets this instead. */
export const GENERIC_FAILURE_MESSAGE = "internal error; see the function's logs";

/** The one map from errors to what a caller may be told. */
export function failureOf(error: unknown): Failure {
  return error instanceof AmpaError
    ? { error, domain: true, message: error.message }
    : { error, domain: false, message: GENERIC_FAILURE_MESSAGE };
}

export interface HandlerOptions<R> {
  /**
   * The response to a failure, which is then logged here; without it, or when it returns
   * undefined, the error is rethrown and Lambda reports (and logs) it. A ConfigError is
   * always rethrown.
   */
  onError?: (failure: Failure) => R | undefined;
  /** The log line of an answered failure (default `<name> failed`). */
  failureLog?: string;
  /** The log field the request id goes under (default `requestId`). */
  requestIdKey?: string;
}

/**
 * A Lambda entry point: `body` gets the invocation (runtime/lambda-root.ts: App,
 * request-scoped logger and services, deadline); a failure goes through
 * {@link failureOf} to `onError`.
 */
export function handler<E, R>(
  name: string,
  body: (invocation: Invocation<E>) => Promise<R>,
  opts: HandlerOptions<R> = {},
): (event: E, context?: Context) => Promise<R> {
  const requestIdKey = opts.requestIdKey ?? "requestId";
  return async (event, context) => {
    let log: Logger | undefined;
    try {
      const inv = invocation(event, context, requestIdKey);
      log = inv.log;
      return await untilDeadline(body(inv), inv.deadline, name);
    } catch (error) {
      // A bad setting (on Lambda) is no answerable failure: the invocation fails with the
      // message naming the variable, so the deploy's first call shows it (and Errors counts it).
      if (error instanceof ConfigError) throw error;
      const response = opts.onError?.(failureOf(error));
      if (response === undefined) throw error;
      // Without an App (it failed to build) there is no configured logger: stderr it is.
      (log ?? createLogger("error", "stderr")).error(
        {
          err: asError(error).message,
          ...(log || !context ? {} : { [requestIdKey]: context.awsRequestId }),
        },
        opts.failureLog ?? `${name} failed`,
      );
      return response;
    }
  };
}
