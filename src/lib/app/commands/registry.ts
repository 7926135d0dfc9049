import {
  type CommandSpec,
  commandTypeSchema,
  MAX_FUNCTION_RUNTIME_MINUTES,
  type RunOutcome,
  type Runtime,
} from "../../core/command.js";
import {
  everyIssue,
  firstIssue,
  noAwsCredentialsSchema,
  postUnchangedSchema,
} from "../../core/command-metadata.js";
import type { Runner, Runners } from "../../core/ports.js";
import { agentMetadataSchema } from "../agents/profiles.js";
import { delegation } from "./delegation/index.js";
import { heartbeat } from "./heartbeat/index.js";
import type { CommandModule, RunnerDeps, TypeMapping } from "./module.js";
import { prMonitor } from "./pr-monitor/index.js";
import { reviewAudit } from "./review-audit/index.js";
import { shell } from "./shell/index.js";
import { staleDelegationWatchdog } from "./stale-delegation-watchdog/index.js";
import { triageAudit } from "./triage-audit/index.js";

export type { CommandModule, RunnerDeps, TypeMapping } from "./module.js";
export type { Runner, RunnerContext, RunnerResult, Runners } from "../../core/ports.js";

/**
 * The command types AMPA runs, one module each (its folder beside this file). A new type
 * is its folder and one line here; everything below is derived from the registered
 * modules, when asked, so nothing else names a type.
 */
const BUILT_IN: readonly CommandModule[] = [
  shell,
  heartbeat,
  delegation,
  triageAudit,
  reviewAudit,
  prMonitor,
  staleDelegationWatchdog,
];

const MODULES: CommandModule[] = [];
// A malformed or repeated type fails at load, not in the first run of it.
for (const module of BUILT_IN) registerCommandType(module);

/** The type of `ampa add` without `--type`, of simulated workloads and of unknown imports. */
export const DEFAULT_COMMAND_TYPE = shell.type;

/**
 * Adds a module to the list (a plug-in, or a test that exercises a new type end to end);
 * the returned function takes it out again. A second module of one type is refused.
 */
export function registerCommandType(module: CommandModule): () => void {
  if (!commandTypeSchema.safeParse(module.type).success)
    throw new Error(`command type ${JSON.stringify(module.type)} is not a type name`);
  if (MODULES.some((m) => m.type === module.type))
    throw new Error(`command type ${module.type} is already registered`);
  MODULES.push(module);
  return () => {
    const i = MODULES.indexOf(module);
    if (i >= 0) MODULES.splice(i, 1);
  };
}

/** Every type's name, in the registry's order. */
export function commandTypes(): string[] {
  return MODULES.map((m) => m.type);
}

export function isCommandType(type: string): boolean {
  return MODULES.some((m) => m.type === type);
}

/** The module of a type the caller has validated; an unknown type is a programming error. */
export function commandModule(type: string): CommandModule {
  const found = MODULES.find((m) => m.type === type);
  if (!found) throw new Error(`unknown command type ${JSON.stringify(type)}`);
  return found;
}

/** The runner of each command type. */
export function createRunners(deps: RunnerDeps): Runners {
  return Object.fromEntries(MODULES.map((m) => [m.type, m.runner(deps)]));
}

/** Succeeds at once with no output: simulations and benchmarks time only the scheduler. */
const instant: Runner = async () => ({
  exitCode: 0,
  output: "",
  outputTruncatedBytes: 0,
  outcome: "success",
});

/** The runners `ampa simulate` and the benchmark use. */
export function simulatedRunners(): Runners {
  return Object.fromEntries(MODULES.map((m) => [m.type, m.simulatedRunner ?? instant]));
}

/** Whether a run of `type` posted its own messages (run.ts then skips the generic post). */
export function announcedItself(type: string, outcome: RunOutcome): boolean {
  const self = MODULES.find((m) => m.type === type)?.selfAnnouncing;
  return self === "always" || (self === "unless-error" && outcome !== "error");
}

/** The type as `ampa status` and the dashboard show it. */
export function statusLabel(type: string): string {
  return MODULES.find((m) => m.type === type)?.statusLabel ?? type;
}

/** The types that run a coding agent (`runsAgent`): the only ones that take `agent`. */
export function agentTypes(): string[] {
  return MODULES.filter((m) => m.runsAgent).map((m) => m.type);
}

/**
 * Why a command of `type` may not carry its agent keys (`agent`, `agent_profile`): a type
 * that runs no agent takes none, one that does takes a known agent. Undefined when fine.
 */
export function agentProblem(type: string, metadata: Record<string, unknown>): string | undefined {
  if (metadata.agent === undefined && metadata.agent_profile === undefined) return undefined;
  if (!commandModule(type).runsAgent)
    return `type ${type} runs no agent; the types that take one: ${agentTypes().join(", ")}`;
  const issue = agentMetadataSchema.safeParse(metadata).error?.issues[0];
  if (!issue) return undefined;
  const named = issue.path.join(".") === "agent" ? ` ${JSON.stringify(metadata.agent)}` : "";
  return `${issue.path.join(".")}${named}: ${issue.message}`;
}

/** The first problem with a command's metadata for its type, as `key: message`. */
export function typeMetadataProblem(
  type: string,
  metadata: Record<string, unknown>,
): string | undefined {
  const m = commandModule(type);
  const agent = agentProblem(type, metadata);
  if (agent) return agent;
  const credentials = m.mayInheritAwsCredentials ? undefined : noAwsCredentialsSchema;
  for (const schema of [postUnchangedSchema, credentials, m.metadataSchema]) {
    const problem = schema && firstIssue(schema, metadata);
    if (problem) return problem;
  }
  return undefined;
}

/** Why metadata does not suit the type's runner, naming each bad field; undefined when it does. */
export function typedMetadataProblem(
  type: string,
  metadata: Record<string, unknown>,
): string | undefined {
  const schema = commandModule(type).settingsSchema;
  return schema && everyIssue(schema, metadata);
}

/** The runtime a command runs in: its own, or its type's default. */
export function commandRuntime(command: { type: string; runtime?: Runtime | undefined }): Runtime {
  return command.runtime ?? MODULES.find((m) => m.type === command.type)?.runtime ?? "function";
}

/** Why a spec cannot run in its runtime, or undefined. */
export function runtimeProblem(spec: {
  type: string;
  runtime?: Runtime | undefined;
  maxRuntimeMinutes: number | null;
}): string | undefined {
  if (
    commandRuntime(spec) === "function" &&
    spec.maxRuntimeMinutes !== null &&
    spec.maxRuntimeMinutes > MAX_FUNCTION_RUNTIME_MINUTES
  )
    return (
      `a max runtime of ${spec.maxRuntimeMinutes} minutes needs runtime "task": ` +
      `a "function" run is cut by Lambda at 15 minutes (at most ${MAX_FUNCTION_RUNTIME_MINUTES})`
    );
  return undefined;
}

/**
 * What an upstream (Python daemon) type becomes: its namesake, the module that takes it
 * in under another name, or undefined when no module does.
 */
export function upstreamMapping(
  type: string,
  metadata: Record<string, unknown>,
): TypeMapping | undefined {
  if (isCommandType(type)) return { type, metadata };
  // Own keys only: an upstream type named "constructor" is not Object's.
  const owner = MODULES.find((m) => m.upstreamTypes && Object.hasOwn(m.upstreamTypes, type));
  return owner?.upstreamTypes?.[type]?.(type, metadata);
}

/** What `npm start` puts in an empty store, type by type. */
export function exampleCommands(heartbeatMinutes: number): CommandSpec[] {
  return MODULES.flatMap((m) => m.examples?.({ heartbeatMinutes }) ?? []);
}
