import type { Command, CommandSpec } from "../../src/lib/core/command.js";
import type { DispatchRecord } from "../../src/lib/core/ports.js";

export function spec(id: string, overrides: Partial<CommandSpec> = {}): CommandSpec {
  return {
    id,
    command: "true",
    type: "shell",
    frequencyMinutes: 1,
    priority: 0,
    requiresLlm: false,
    metadata: {},
    maxRuntimeMinutes: null,
    paused: false,
    ...overrides,
  };
}

export function command(id: string, overrides: Partial<Command> = {}): Command {
  return { ...spec(id), ...overrides };
}

export const MINUTE = 60_000;
/** A fixed, awkward instant: the last second of a leap day. */
export const T0 = Date.parse("2028-02-29T23:59:59.000Z");

/** The value, or a test failure saying it was missing. */
export function must<T>(value: T | undefined | null, what = "value"): T {
  if (value === undefined || value === null) throw new Error(`expected ${what} to be present`);
  return value;
}

/** AMPA's dispatch of work item SA-1 for intake (a DISPATCH record); fields overridable. */
export function dispatchRecord(overrides: Partial<DispatchRecord> = {}): DispatchRecord {
  return {
    workItemId: "SA-1",
    action: "intake",
    stage: "idea",
    commandId: "delegate",
    runId: "r1",
    assignee: "ampa",
    dispatchedAt: 0,
    ...overrides,
  };
}
