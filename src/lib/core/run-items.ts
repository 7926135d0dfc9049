/**
 * The conditional primitives the run protocol (app/run-protocol.ts) is written against:
 * conditional writes to a command's item and to its run records. The protocol owns the
 * sequence (claim, start, renewals, completion, recovery, pruning); a backend only
 * applies one change under one set of conditions (adapters/dynamodb/run-items.ts).
 * Attribute names are the command's own (core/command.ts), never the table's keys.
 */
import type { RunRecord } from "./command.js";

export type ItemValue = string | number | boolean;

/** One condition on the command's item; a write holds when all of its conditions do. */
export type Condition =
  | { itemExists: true }
  | { attr: string; exists: boolean }
  | { attr: string; is: "=" | "<" | ">"; value: ItemValue }
  /** The attribute is absent or equals `value` (e.g. not paused). */
  | { attr: string; absentOrEquals: ItemValue };

/** What a write does to the item: set, remove, add to numbers. */
export interface ItemChange {
  set?: Readonly<Record<string, ItemValue>>;
  remove?: readonly string[];
  add?: Readonly<Record<string, number>>;
}

/**
 * A conditional write's answer. When the write lost and the caller asked for it, the item
 * as it was (its attributes, no keys; undefined when there is none).
 */
export type WriteOutcome =
  { written: true } | { written: false; current?: Readonly<Record<string, unknown>> | undefined };

/** The lease attributes on a command's item (released together). */
export const LEASE_FIELDS = [
  "leaseRunId",
  "leaseOwner",
  "leaseExpiresAt",
  "leaseWorker",
  "leaseRenewedAt",
  "leaseRenewals",
] as const;

export interface RunItems {
  /** How many runs of a command are kept (the store's setting). */
  readonly maxRunHistory: number;
  /**
   * Applies `change` to the command's item when every condition holds. With
   * `returnCurrent`, a lost write also answers what the item held.
   */
  updateCommandIf(
    id: string,
    change: ItemChange,
    when: readonly Condition[],
    opts?: { returnCurrent?: boolean },
  ): Promise<WriteOutcome>;
  /** Writes a run record; with `ifAbsent` an existing record of the run is kept (false). */
  putRun(run: RunRecord, opts?: { ifAbsent?: boolean }): Promise<boolean>;
  /** Deletes all but the newest `keep` runs of a command. */
  deleteRunsBeyond(commandId: string, keep: number): Promise<void>;
}
