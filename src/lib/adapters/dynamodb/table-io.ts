import {
  type DeleteCommand,
  type DynamoDBDocumentClient,
  type PutCommand,
  QueryCommand,
  type UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "../../core/errors.js";
import type { KnownType } from "./items.js";
import type { OnCorrupt } from "../../core/ports.js";

/** Table I/O shared by the partition modules: the table, conditional writes, paged queries. */

/** One table through one document client: what every partition module works on. */
export interface Table {
  readonly doc: DynamoDBDocumentClient;
  readonly name: string;
  /** Told about every item a reader skips because it does not parse (see items.ts). */
  readonly report: OnCorrupt;
  /** How many runs of a command are kept. */
  readonly maxRunHistory: number;
  /** Whether this build runs a command type: items of another type read as corrupt. */
  readonly knownType?: KnownType;
}

/** A partition module's table functions with the table given: `(t, ...args)` → `(...args)`. */
export type OnTable<M> = {
  [K in keyof M]: M[K] extends (t: Table, ...args: infer A) => infer R ? (...args: A) => R : never;
};

/** Binds every function of a partition module to `t` (each takes the table first). */
export function onTable<M extends object>(t: Table, module: M): OnTable<M> {
  const bound = Object.entries(module).map(([name, fn]) => [
    name,
    (...args: unknown[]) => (fn as (t: Table, ...args: unknown[]) => unknown)(t, ...args),
  ]);
  return Object.fromEntries(bound) as OnTable<M>;
}

/** Sends a conditional write; false (not an error) when its condition does not hold. */
export async function writeIf(
  t: Table,
  command: PutCommand | UpdateCommand | DeleteCommand,
): Promise<boolean> {
  try {
    // send() is overloaded per command type and accepts no union; all three are writes.
    await t.doc.send(command as UpdateCommand);
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

export interface QueryOptions {
  pk: string;
  consistent?: boolean;
  /** Only `pk` and `sk` of each item. */
  keysOnly?: boolean;
  /** Only these attributes (and `pk`, `sk`) of each item. */
  attributes?: readonly string[];
  /** Descending sort key order. */
  newestFirst?: boolean;
}

/** Every item of one partition, page by page (each page at most 1 MB). */
export async function* queryAll(
  t: Table,
  opts: QueryOptions,
): AsyncGenerator<Record<string, unknown>> {
  for await (const page of queryPages(t, opts)) yield* page.Items ?? [];
}

/** How many items one partition holds: COUNT pages, so no item comes back. */
export async function countAll(t: Table, pk: string): Promise<number> {
  let count = 0;
  for await (const page of queryPages(t, { pk, count: true })) count += page.Count ?? 0;
  return count;
}

/** The pages of one partition's query, following LastEvaluatedKey to the end. */
async function* queryPages(t: Table, opts: QueryOptions & { count?: boolean }) {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await t.doc.send(
      new QueryCommand({
        TableName: t.name,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": opts.pk },
        ...(opts.consistent ? { ConsistentRead: true } : {}),
        ...(opts.keysOnly ? { ProjectionExpression: "pk, sk" } : {}),
        ...(opts.attributes ? projection(opts.attributes) : {}),
        ...(opts.newestFirst ? { ScanIndexForward: false } : {}),
        ...(opts.count ? { Select: "COUNT" as const } : {}),
        ExclusiveStartKey: startKey,
      }),
    );
    yield page;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** A projection of `pk`, `sk` and `attributes`, by placeholder (`type` is a reserved word). */
function projection(attributes: readonly string[]) {
  const names = ["pk", "sk", ...attributes];
  return {
    ProjectionExpression: names.map((_, i) => `#p${i}`).join(", "),
    ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#p${i}`, name])),
  };
}
