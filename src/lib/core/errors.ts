/** Domain errors that carry a message fit to show a user as-is. */
export class AmpaError extends Error {
  override readonly name: string = "AmpaError";
  constructor(
    message: string,
    readonly code:
      | "unknown-command"
      | "duplicate-command"
      | "lease-held"
      | "invalid-input"
      | "store-unavailable"
      | "locked",
  ) {
    super(message);
  }
}

export class UnknownCommandError extends AmpaError {
  override readonly name = "UnknownCommandError";
  constructor(readonly commandId: string) {
    super(`Unknown command id: ${commandId}`, "unknown-command");
  }
}

export class DuplicateCommandError extends AmpaError {
  override readonly name = "DuplicateCommandError";
  constructor(readonly commandId: string) {
    super(`Command id already exists: ${commandId}`, "duplicate-command");
  }
}

export class LeaseHeldError extends AmpaError {
  override readonly name = "LeaseHeldError";
  constructor(commandId: string, owner: string | undefined, expiresAt: number | undefined) {
    const until = expiresAt === undefined ? "" : ` until ${new Date(expiresAt).toISOString()}`;
    super(
      `Command ${commandId} is already running (lease held by ${owner ?? "another run"}${until})`,
      "lease-held",
    );
  }
}

/** A run that lost its lease while it ran (recovered meanwhile): it recorded nothing. */
export class LeaseLostError extends AmpaError {
  override readonly name = "LeaseLostError";
  constructor(commandId: string, runId: string) {
    super(
      `Run ${runId} of ${commandId} lost its lease before it finished (it was recovered as abandoned); its result was not recorded`,
      "lease-held",
    );
  }
}

export class InvalidInputError extends AmpaError {
  override readonly name = "InvalidInputError";
  constructor(message: string) {
    super(message, "invalid-input");
  }
}

/**
 * A setting that does not parse, where guessing is worse than stopping (on Lambda: a bad
 * deploy must fail its first invocation, not run on a default). `variables` names them.
 */
export class ConfigError extends AmpaError {
  override readonly name = "ConfigError";
  constructor(
    readonly variables: readonly string[],
    problems: readonly string[],
  ) {
    super(`Invalid configuration: ${problems.join("; ")}`, "invalid-input");
  }
}

/** The store could not be reached at all (refused, reset, timed out), after the SDK's retries. */
export class StoreUnavailableError extends AmpaError {
  override readonly name = "StoreUnavailableError";
  constructor(where: string, cause: Error) {
    super(`The DynamoDB store is unreachable (${where}): ${cause.message}`, "store-unavailable");
    this.cause = cause;
  }
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === "ConditionalCheckFailedException";
}
