import * as z from "zod";
import type { Runner, ShellRunner } from "../../../core/ports.js";
import type { CommandModule } from "../module.js";

/** `shell` metadata: whether the command gets the worker's AWS credentials (core/child-env.ts). */
export const shellMetadataSchema = z.looseObject({
  inherit_aws_credentials: z.boolean("must be true or false").optional(),
});

/** The `shell` command type: the command line under /bin/sh, in the workspace or the command cwd. */
export const shellRunner =
  (runShell: ShellRunner): Runner =>
  async (command, ctx) => {
    const result = await runShell(command.command, {
      cwd: ctx.workspace?.cwd ?? ctx.config.commandCwd,
      ...(ctx.workspace ? { extraEnv: ctx.workspace.env } : {}),
      // Only a shell command's own definition can hand it the worker's AWS credentials.
      inheritAwsCredentials: command.metadata.inherit_aws_credentials === true,
      timeoutMs: Math.max(ctx.deadline - ctx.clock(), 1000),
      maxOutputBytes: ctx.config.maxOutputBytes,
      signal: ctx.signal,
    });
    return {
      exitCode: result.exitCode,
      output: result.output,
      outputTruncatedBytes: result.outputTruncatedBytes,
      outcome: result.timedOut ? "timeout" : result.exitCode === 0 ? "success" : "failure",
    };
  };

const type = "shell";

/** The default type: `ampa add` without `--type`, simulated workloads, unknown upstream types. */
export const shell: CommandModule = {
  type,
  runtime: "function",
  metadataSchema: shellMetadataSchema,
  mayInheritAwsCredentials: true,
  runner: (deps) => shellRunner(deps.runShell),
  upstreamTypes: {
    command: (_upstream, metadata) => ({
      type,
      metadata,
      note: 'upstream type "command" imported as shell',
    }),
  },
  examples: () => [
    {
      id: "date",
      command: "date -u",
      title: "Date",
      type,
      frequencyMinutes: 1,
      priority: 0,
      requiresLlm: false,
      metadata: { discord_label: "date" },
      maxRuntimeMinutes: 1,
      paused: false,
    },
  ],
};
