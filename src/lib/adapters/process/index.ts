import type { ShellRunner, ToolRunner } from "../../core/ports.js";
import { runShell } from "./shell.js";
import { runTool } from "./tool.js";

/** The programs a run may start: shell command lines, and wl/opencode/gh by argv. */
export const processes: { runShell: ShellRunner; runTool: ToolRunner } = { runShell, runTool };
