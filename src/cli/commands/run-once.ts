import type { Command as Program } from "commander";
import { runOnce } from "../../lib/app/run.js";
import { CliExit, cliServices, idArgument, out, withTarget } from "../shared.js";

/** `ampa run-once <id>`: runs the command here and now; exits with its exit code. */
export function registerRunOnce(program: Program): void {
  program
    .command("run-once")
    .description("run a command now and wait for it; exits with its exit code")
    .argument("<id>")
    .action(async (id: string) => {
      const key = idArgument(id);
      const run = await withTarget(program, ({ app }) =>
        runOnce(cliServices(app).runDeps, key, `cli:${process.pid}`),
      );
      if (run.output)
        process.stdout.write(run.output.endsWith("\n") ? run.output : `${run.output}\n`);
      out(`Run-once complete for ${id} exit=${run.exitCode ?? "none"}`);
      throw new CliExit(run.exitCode === null ? 1 : Math.min(run.exitCode, 255));
    });
}
