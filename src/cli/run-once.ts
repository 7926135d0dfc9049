import {
  FunctionFailedError,
  invokeRunOnce,
  type RunOnceFunction,
  type RunOnceResponse,
} from "../lib/adapters/lambda-run-once.js";
import { runOnce } from "../lib/app/run.js";
import { commandRuntime } from "../lib/app/commands/registry.js";
import type { Command, RunRecord } from "../lib/core/command.js";
import { AmpaError, InvalidInputError, UnknownCommandError } from "../lib/core/errors.js";
import { redactSecrets } from "../lib/core/secrets.js";
import { asError } from "../lib/runtime/log.js";
import { EXIT } from "./exit-codes.js";
import { printable } from "./format.js";
import { CliExit, cliServices } from "./shared.js";
import type { Target } from "./target.js";

/**
 * Run-once where the command is deployed: the one path of `ampa run-once` and the
 * dashboard's Run once. On a deployed table (`--stage`) the stage's runOnce function runs
 * it; the operator's machine (their credentials, their files) only with `onThisMachine`,
 * after saying what it will run. The local store's commands run here, as they always did.
 */

export interface RunOnceOptions {
  /** The lease owner of a run here (`cli:<pid>`, `dashboard:<pid>`). */
  owner: string;
  /** Run a deployed command on this machine all the same (`--on-this-machine`). */
  onThisMachine?: boolean;
  /** A line for the operator (stderr): what runs here, or a warning. */
  say: (line: string) => void;
}

export async function runOnceWhereDeployed(
  target: Target,
  id: string,
  opts: RunOnceOptions,
): Promise<RunRecord> {
  const { app, deployed } = target;
  if (!deployed) return runOnce(cliServices(app).runDeps, id, opts.owner);
  const command = await app.store.getCommand(id);
  if (!command) throw new UnknownCommandError(id);
  if (opts.onThisMachine) {
    opts.say(localRunNotice(command, target.description));
    return runOnce(cliServices(app).runDeps, id, opts.owner);
  }
  if (commandRuntime(command) === "task")
    opts.say(
      `ampa: ${printable(id)} is a task command: ${deployed.runOnce.name} runs it in ` +
        "Lambda, which stops it at 15 minutes (the tick runs it on ECS)",
    );
  return runOf(await invoke(deployed.runOnce, deployed.stage, id), deployed.runOnce);
}

/** What is about to run on this machine, before it runs: its type and its text. */
function localRunNotice(command: Command, where: string): string {
  const lines = [
    `ampa: running ${command.id} of ${where} on this machine, as you:`,
    `  type: ${command.type}`,
    `  command: ${command.command}`,
  ];
  const metadata = JSON.stringify(command.metadata);
  if (metadata !== "{}")
    lines.push(`  metadata: ${metadata.length > 400 ? `${metadata.slice(0, 399)}…` : metadata}`);
  return printable(redactSecrets(lines.join("\n")));
}

/** The function's answer as a run record, its output redacted again on arrival. */
function runOf(r: RunOnceResponse, fn: RunOnceFunction): RunRecord {
  const startedAt = Date.parse(r.startedAt);
  const endedAt = Date.parse(r.endedAt);
  return {
    commandId: r.id,
    runId: r.runId ?? "",
    trigger: "run-once",
    startedAt,
    endedAt,
    durationMs: r.durationMs ?? endedAt - startedAt,
    exitCode: r.exitCode,
    outcome: r.outcome,
    output: redactSecrets(r.output),
    outputTruncatedBytes: r.outputTruncatedBytes ?? 0,
    late: r.late ?? false,
    worker: `lambda:${fn.name}`,
  };
}

const fail = (exitCode: number, code: string, message: string) =>
  new CliExit(exitCode, { code, message: redactSecrets(message) });

/** Invokes the function; its failures become the CLI's errors with their exit codes. */
async function invoke(fn: RunOnceFunction, stage: string, id: string): Promise<RunOnceResponse> {
  try {
    return await invokeRunOnce(fn, id);
  } catch (err) {
    if (err instanceof FunctionFailedError) throw functionError(fn, id, err);
    const { name, message } = asError(err);
    if (name === "ResourceNotFoundException")
      throw fail(
        EXIT.usage,
        "no-function",
        `No function ${fn.name} in ${fn.region}: is stage ${stage} deployed there? ` +
          "(see --stage and --region)",
      );
    throw fail(EXIT.failure, "invoke-failed", `Could not invoke ${fn.name}: ${message}`);
  }
}

/** The handler's own errors keep their exit codes (unknown id 2, lease held 4). */
function functionError(fn: RunOnceFunction, id: string, err: FunctionFailedError): Error {
  const message = redactSecrets(err.errorMessage);
  if (err.timedOut)
    return fail(
      EXIT.failure,
      "function-timeout",
      `${fn.name} was stopped at its 15-minute timeout before ${id} ended: nothing was ` +
        "recorded; its lease expires and the next tick records the run abandoned",
    );
  if (err.errorType === "UnknownCommandError") return new UnknownCommandError(id);
  if (err.errorType === "InvalidInputError") return new InvalidInputError(message);
  if (err.errorType === "LeaseHeldError" || err.errorType === "LeaseLostError")
    return new AmpaError(message, "lease-held");
  return fail(EXIT.failure, "function-error", `${fn.name} failed (${err.errorType}): ${message}`);
}
