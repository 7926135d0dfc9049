/**
 * The status report moved to src/lib/app/status-report.ts (Discord's `/ampa status` and
 * `/ampa why` build it too); the CLI's modules keep importing it from here.
 */
export * from "../lib/app/status-report.js";
