/**
 * The ports: what the use cases (src/lib/app) need from the world, declared in core so
 * that they depend on these interfaces and never on an adapter. One file per concern:
 * store-ports.ts (the state table, one interface per concern), run-items.ts (the
 * conditional primitives under the run protocol), notify-ports.ts (Discord),
 * runner-ports.ts (dispatch and runners), process-ports.ts (shell lines and tools),
 * task-ports.ts (task runs' workspaces). This file only gathers them for one import path.
 */
export type * from "./store-ports.js";
export type * from "./run-items.js";
export { LEASE_FIELDS } from "./run-items.js";
export type * from "./notify-ports.js";
export type * from "./runner-ports.js";
export type * from "./process-ports.js";
