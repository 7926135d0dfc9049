/**
 * Who a task worker's programs run as (AMPA_AGENT_UID, AMPA_AGENT_GID, read in
 * runtime/process-settings.ts): an unprivileged user that is not the worker's, so an
 * agent cannot read the worker's /proc/<pid>/environ
 * (its AWS credentials URI, its secrets) nor write its files. Unset: programs run as the
 * worker (a laptop's `npm start`). Set but not possible (no root, no CAP_SETUID): the run
 * fails with the reason; nothing runs as the worker instead.
 */
import { tmpdir } from "node:os";
import type { ShellRunner, Summarizer, ToolRunner } from "../core/ports.js";
import type { RunAs } from "../core/task-ports.js";
import { opencodeSummarizer } from "../adapters/process/programs.js";
import { runProcess } from "../adapters/process/run-process.js";
import { scratchDirs } from "../adapters/scratch-dirs.js";
import type { AgentSetting } from "./process-settings.js";

/** What a task worker starts its programs with, once its agent user is ready. */
export interface AgentRuntime {
  runAs?: RunAs;
  /** The agent's HOME: a fresh 0700 directory it owns (opencode's and git's config, caches). */
  home?: string;
  /** Why programs cannot be started as the configured user: every run then fails with it. */
  error?: string;
  /** Removes the agent's HOME. */
  close(): Promise<void>;
}

/**
 * Makes the agent's HOME and starts `/bin/sh -c :` as the agent, so that a worker that may
 * not switch users learns it before the run (its error names the setting). Never throws.
 */
export async function prepareAgent(setting: AgentSetting, base = tmpdir()): Promise<AgentRuntime> {
  if ("error" in setting) return { error: setting.error, close: async () => {} };
  const { runAs } = setting;
  if (!runAs) return { close: async () => {} };
  const named = `AMPA_AGENT_UID=${runAs.uid} AMPA_AGENT_GID=${runAs.gid}`;
  const dirs = scratchDirs(base, { owner: runAs, prefix: "ampa-agent-home-" });
  let home: string;
  try {
    home = await dirs.create();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const why = `cannot give the agent a home directory (${code}): the worker needs root or CAP_CHOWN`;
    return { error: `${named}: ${why}`, close: async () => {} };
  }
  const close = () => dirs.remove(home);
  const probe = await runProcess("/bin/sh", ["-c", ":"], {
    cwd: home,
    env: { PATH: "/usr/bin:/bin" },
    timeoutMs: 10_000,
    ...runAs,
    onStdout: () => {},
    onStderr: () => {},
  });
  if (probe.error) return { error: `${named}: ${probe.error.message}`, close };
  return { runAs, home, close };
}

/** Shell and tool runners that start every program as the agent, with HOME its own. */
export function agentProcesses(
  processes: { runShell: ShellRunner; runTool: ToolRunner },
  runAs: RunAs,
  home: string,
): { runShell: ShellRunner; runTool: ToolRunner } {
  return {
    runShell: (command, opts) =>
      processes.runShell(command, { ...opts, runAs, extraEnv: { ...opts.extraEnv, HOME: home } }),
    runTool: (program, args, opts) =>
      processes.runTool(program, args, {
        ...opts,
        runAs,
        extraEnv: { ...opts.extraEnv, HOME: home },
      }),
  };
}

/** The output summarizer (opencode) as the agent, in its HOME. */
export function agentSummarizer(runAs: RunAs, home: string): Summarizer {
  return opencodeSummarizer(undefined, undefined, process.env, { ...runAs, home });
}
