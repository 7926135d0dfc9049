import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { isConditionalCheckFailed } from "../../core/errors.js";
import type { Condition, ItemChange, ItemValue, WriteOutcome } from "../../core/ports.js";
import { commandKey } from "./keys.js";
import type { Table } from "./table-io.js";

/**
 * The run protocol's conditional write on a command's item (core/run-items.ts), as one
 * UpdateItem. Attribute names go in as they are (none of the protocol's is a reserved
 * word), so the IAM roles' dynamodb:Attributes condition sees exactly those names.
 */

/** The expression pieces of a change and its conditions, values by placeholder. */
export function updateExpression(change: ItemChange, when: readonly Condition[]) {
  const values: Record<string, ItemValue> = {};
  const value = (prefix: string, v: ItemValue) => {
    const name = `:${prefix}${Object.keys(values).length}`;
    values[name] = v;
    return name;
  };
  const clauses: string[] = [];
  const set = Object.entries(change.set ?? {});
  if (set.length) clauses.push(`SET ${set.map(([a, v]) => `${a} = ${value("s", v)}`).join(", ")}`);
  if (change.remove?.length) clauses.push(`REMOVE ${change.remove.join(", ")}`);
  const add = Object.entries(change.add ?? {});
  if (add.length) clauses.push(`ADD ${add.map(([a, v]) => `${a} ${value("a", v)}`).join(", ")}`);
  const condition = when.map((c) => {
    if ("itemExists" in c) return "attribute_exists(pk)";
    if ("exists" in c)
      return `${c.exists ? "attribute_exists" : "attribute_not_exists"}(${c.attr})`;
    if ("is" in c) return `${c.attr} ${c.is} ${value("c", c.value)}`;
    return `(attribute_not_exists(${c.attr}) OR ${c.attr} = ${value("c", c.absentOrEquals)})`;
  });
  return {
    UpdateExpression: clauses.join(" "),
    ConditionExpression: condition.join(" AND "),
    ExpressionAttributeValues: values,
  };
}

/**
 * Applies `change` to the command's item when every condition holds. A lost write with
 * `returnCurrent` answers the item as it was: from the failure itself where the store
 * returns it (DynamoDB, DynamoDB Local: ReturnValuesOnConditionCheckFailure), else from
 * one consistent read (dynalite ignores the parameter).
 */
export async function updateCommandIf(
  t: Table,
  id: string,
  change: ItemChange,
  when: readonly Condition[],
  { returnCurrent = false } = {},
): Promise<WriteOutcome> {
  try {
    // No ReturnValues: the roles' dynamodb:Attributes condition (deploy/iam-roles.yml)
    // refuses ALL_NEW, which would read the command's spec through a lease write. The
    // failure's ALL_OLD is another parameter, which no IAM condition key names (the
    // dynamodb:ReturnValues key is ReturnValues only); only run-once's claim asks for it,
    // and its role may GetItem every command anyway, so it reads nothing new.
    await t.doc.send(
      new UpdateCommand({
        TableName: t.name,
        Key: commandKey(id),
        ...updateExpression(change, when),
        ...(returnCurrent ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } : {}),
      }),
    );
    return { written: true };
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    if (!returnCurrent) return { written: false };
    return { written: false, current: withoutKeys(await currentItem(t, id, err)) };
  }
}

/** The item a lost write saw: the failure's ALL_OLD item, else a consistent read. */
async function currentItem(
  t: Table,
  id: string,
  err: unknown,
): Promise<Record<string, unknown> | undefined> {
  // The document client does not translate errors: the item comes back marshalled.
  const item = (err as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  if (item) return unmarshall(item);
  const { Item } = await t.doc.send(
    new GetCommand({ TableName: t.name, Key: commandKey(id), ConsistentRead: true }),
  );
  return Item;
}

function withoutKeys(item: Record<string, unknown> | undefined) {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...attributes } = item;
  return attributes;
}
