import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { StoreUnavailableError } from "../../core/errors.js";
import { registerSecret } from "../../core/secrets.js";

export interface DynamoConnection {
  region: string;
  /** A local DynamoDB-compatible server; AWS itself when undefined. */
  endpoint?: string | undefined;
  /**
   * The local store's key (AMPA_DYNAMODB_KEY, or the lock file's): signed with as the
   * access key id. Without one a local endpoint gets placeholder credentials.
   */
  key?: string | undefined;
}

/** A DynamoDB client for AWS, or for a local server with its key as credentials. */
export function createDynamoClient({ region, endpoint, key }: DynamoConnection): DynamoDBClient {
  if (key) registerSecret(key);
  const secret = key ?? "local";
  const client = new DynamoDBClient({
    region,
    maxAttempts: 3,
    // Single-item operations take milliseconds; a store that accepts and never answers
    // must fail the invocation with an error, not hold it until the Lambda timeout.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    ...(endpoint
      ? { endpoint, credentials: { accessKeyId: secret, secretAccessKey: secret } }
      : {}),
  });
  // Outermost, so it sees the error once the SDK's retries are spent.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        const input = args.input as { TableName?: unknown };
        const table = typeof input.TableName === "string" ? `table ${input.TableName} ` : "";
        throw new StoreUnavailableError(`${table}at ${endpoint ?? `AWS ${region}`}`, err);
      }
    },
    { step: "initialize", name: "ampaStoreUnavailable" },
  );
  return client;
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** A failure to reach the store at all, as opposed to an answer (e.g. a failed condition). */
function isUnreachable(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    (typeof code === "string" && NETWORK_ERROR_CODES.has(code)) ||
    err.name === "TimeoutError" ||
    err.message === "socket hang up"
  );
}

/**
 * A number JavaScript cannot hold exactly (another application's item, a hand edit) makes
 * the SDK throw for the whole page, hiding every other item of a listing. It is kept as its
 * decimal text instead, which the item schemas reject as that one item's error.
 */
export function numberOrText(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? value : text;
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: numberOrText },
  });
}
