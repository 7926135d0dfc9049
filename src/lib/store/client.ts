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

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
