import type { Command as Program } from "commander";
import { runOnce } from "../../lib/app/run.js";
import { EXIT } from "../exit-codes.js";
import { runToJson } from "../format.js";
import {
  CliExit,
  cliServices,
  ID_ARGUMENT,
  idArgument,
  JSON_FLAG,
  out,
  outJson,
  withTarget,
  write,
} from "../shared.js";

/** `ampa run-once <id>`: runs the command here and now; exits with its exit code. */
export function registerRunOnce(program: Program): void {
  program
    .command("run-once")
    .description("run a command now and wait; exits with the command's exit code")
    .argument(...ID_ARGUMENT)
    .option(...JSON_FLAG)
    .action(async (id: string, flags: { json?: boolean }) => {
      const key = idArgument(id);
      const run = await withTarget(program, ({ app }) =>
        runOnce(cliServices(app).runDeps, key, `cli:${process.pid}`),
      );
      if (flags.json) outJson(runToJson(run));
      else {
        if (run.output) write(run.output.endsWith("\n") ? run.output : `${run.output}\n`);
        out(`Run-once complete for ${id} exit=${run.exitCode ?? "none"}`);
      }
      // No exit code (killed, never started): the run failed.
      throw new CliExit(run.exitCode === null ? EXIT.failure : Math.min(run.exitCode, 255));
    });
}
