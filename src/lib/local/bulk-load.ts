import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Command, RunRecord } from "../core/command.js";
import { commandKey, runKey } from "../adapters/dynamodb/keys.js";

type PutRequest = { PutRequest: { Item: Record<string, unknown> } };

/** DynamoDB's limit of items per BatchWriteItem request. */
const BATCH_SIZE = 25;
const MAX_RETRIES = 10;

/**
 * Benchmark seeding only: unconditional batched puts (25 items a request) of commands
 * and runs, retrying what DynamoDB leaves unprocessed. Not for live tables: it skips
 * every check the scheduler relies on, which is why it is no method of the Store.
 */
export async function bulkLoad(
  doc: DynamoDBDocumentClient,
  tableName: string,
  { commands = [], runs = [] }: { commands?: Command[]; runs?: RunRecord[] },
): Promise<void> {
  const items: Record<string, unknown>[] = [
    ...commands.map((c) => ({ ...commandKey(c.id), ...c })),
    ...runs.map((r) => ({ ...runKey(r), ...r })),
  ];
  for (let i = 0; i < items.length; i += BATCH_SIZE) {
    let requests: PutRequest[] = items
      .slice(i, i + BATCH_SIZE)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > MAX_RETRIES)
        throw new Error(`bulkLoad: items left unprocessed after ${MAX_RETRIES} retries`);
      const { UnprocessedItems } = await doc.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (UnprocessedItems?.[tableName] ?? []) as PutRequest[];
      if (requests.length > 0) await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
    }
  }
}
