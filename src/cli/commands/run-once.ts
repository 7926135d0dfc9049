import type { Command as Program } from "commander";
import type { RunRecord } from "../../lib/core/command.js";
import { ResultNotRecordedError } from "../../lib/core/store-errors.js";
import { EXIT } from "../exit-codes.js";
import { runToJson } from "../format.js";
import { runOnceWhereDeployed } from "../run-once.js";
import {
  CliExit,
  ID_ARGUMENT,
  idArgument,
  JSON_FLAG,
  outJson,
  withTarget,
  write,
} from "../shared.js";

const WHERE_HELP = `
With --stage (or --region) the command runs in the stage's deployed runOnce
function (Lambda: at most 15 minutes), never on this machine. --on-this-machine
runs it here with your credentials, after printing what it runs. Without
--stage it runs here, on the local store.`;

interface RunOnceFlags {
  json?: boolean;
  onThisMachine?: boolean;
}

/**
 * `ampa run-once <id>`: runs the command now and waits; exits with its exit code. With
 * `--stage` the stage's runOnce function runs it (see ../run-once.ts); here only with
 * `--on-this-machine`.
 */
export function registerRunOnce(program: Program): void {
  program
    .command("run-once")
    .description("run a command now and wait; exits with the command's exit code")
    .argument(...ID_ARGUMENT)
    .option("--on-this-machine", "with --stage: run it here, as you, not in its function")
    .option(...JSON_FLAG)
    .addHelpText("after", WHERE_HELP)
    .action(async (id: string, flags: RunOnceFlags) => {
      const key = idArgument(id);
      const run = await withTarget(program, (target) =>
        runOnceWhereDeployed(target, key, {
          owner: `cli:${process.pid}`,
          onThisMachine: flags.onThisMachine ?? false,
          say: (line) => process.stderr.write(`${line}\n`),
        }),
      ).catch(printUnrecorded);
      if (flags.json) outJson(runToJson(run));
      else write(runOnceText(id, run));
      throw new CliExit(runOnceExitCode(run));
    });
}

/** A run's output as printed: ending with a line break; nothing when it has none. */
const outputText = (output: string) => (!output || output.endsWith("\n") ? output : `${output}\n`);

/** What `ampa run-once <id>` prints (without --json): the run's output, then its summary line. */
export function runOnceText(id: string, run: RunRecord): string {
  const where = run.worker?.startsWith("lambda:") ? ` (in ${run.worker.slice(7)})` : "";
  return `${outputText(run.output)}Run-once complete for ${id} exit=${run.exitCode ?? "none"}${where}\n`;
}

/** Its exit code: the run's (at most 255); none (killed, never started): the run failed. */
export const runOnceExitCode = (run: RunRecord) =>
  run.exitCode === null ? EXIT.failure : Math.min(run.exitCode, 255);

/** What is printed before the error of a run whose result the store would not take. */
export const unrecordedText = (err: unknown) =>
  err instanceof ResultNotRecordedError ? outputText(err.run.output) : "";

/** A run whose result the store would not take: its (redacted) output first, then the error. */
function printUnrecorded(err: unknown): never {
  const text = unrecordedText(err);
  if (text) write(text);
  throw err;
}
