import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface DynamoConnection {
  region: string;
  /** A local DynamoDB-compatible server; AWS itself when undefined. */
  endpoint?: string | undefined;
}

/** A DynamoDB client for AWS, or for a local server with placeholder credentials. */
export function createDynamoClient({ region, endpoint }: DynamoConnection): DynamoDBClient {
  return new DynamoDBClient({
    region,
    maxAttempts: 3,
    ...(endpoint
      ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  });
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
