import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type {
  ActionLog,
  AuditStore,
  CommandAdmin,
  CommandStore,
  DispatchStore,
  NotifyStore,
  OnCorrupt,
  PrReportStore,
  ResultHashStore,
  RunHistory,
  RunItems,
  RunNotifiedStore,
  SchedulerStore,
  TransferStore,
} from "../../core/ports.js";
import type { CommandCounter } from "../../core/limits.js";
import type { ScheduleListing } from "../../core/schedule-listing.js";
import * as actions from "./actions.js";
import * as audits from "./audits.js";
import * as commands from "./commands.js";
import * as deadLetters from "./dead-letters.js";
import * as dispatches from "./dispatches.js";
import { type KnownType, reportTo } from "./items.js";
import * as metrics from "./metrics.js";
import * as notify from "./notify.js";
import * as prReports from "./pr-reports.js";
import * as runItems from "./run-items.js";
import * as runs from "./runs.js";
import * as scheduler from "./scheduler.js";
import { onTable, type Table } from "./table-io.js";

export { parseCommandItem } from "./items.js";

/**
 * The state table behind the store ports: one module per partition (the layout is in
 * keys.ts, the rule for corrupt items in items.ts), each function given the table, and
 * the run protocol's primitives (run-items.ts). Use cases take the few ports they call.
 */

export interface StoreOptions {
  tableName: string;
  maxRunHistory: number;
  /** Told about every item a reader skips because it does not parse (see items.ts). */
  onCorrupt?: OnCorrupt;
  /**
   * The command types this build runs (the app's registry, from the composition root): an
   * item of another type is reported and skipped like a corrupt one, never run.
   */
  knownType?: KnownType;
}

/** Every store port, over one table. */
export function createStore(doc: DynamoDBDocumentClient, options: StoreOptions) {
  const t: Table = {
    doc,
    name: options.tableName,
    report: reportTo(options.onCorrupt),
    maxRunHistory: options.maxRunHistory,
    ...(options.knownType ? { knownType: options.knownType } : {}),
  };
  const { updateCommandIf } = onTable(t, runItems);
  const store = {
    options,
    maxRunHistory: options.maxRunHistory,
    updateCommandIf,
    ...onTable(t, commands),
    ...onTable(t, runs),
    ...onTable(t, scheduler),
    ...onTable(t, notify),
    ...onTable(t, deadLetters),
    ...onTable(t, metrics),
    ...onTable(t, audits),
    ...onTable(t, prReports),
    ...onTable(t, dispatches),
    ...onTable(t, actions),
  };
  return store satisfies CommandStore &
    CommandAdmin &
    SchedulerStore &
    NotifyStore &
    AuditStore &
    TransferStore &
    PrReportStore &
    ResultHashStore &
    RunNotifiedStore &
    RunItems &
    DispatchStore &
    ActionLog &
    RunHistory &
    CommandCounter &
    ScheduleListing;
}

export type Store = ReturnType<typeof createStore>;
