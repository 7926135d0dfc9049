import type { Command as Program } from "commander";
import { terminalSafeJson } from "../format.js";
import { idArgument, JSON_FLAG, out, untilStopSignal, withTarget } from "../shared.js";
import { type RunToShow, shownRunLines } from "../live.js";

const LOGS_HELP = `
A command id means its running run, else its last run (its stored output); a run
id means that run. -f follows a running run until its record says it ended.
Locally the output comes from the worker's .ampa/workers/<runId>.out; with
--stage from the task's (or the function's) CloudWatch log, with your AWS
credentials. The events of a command's agent (delegation and the audits) are
shown as readable lines by that agent's parser, other JSON event lines
generically; --raw prints them as received. Every line is redacted and
stripped of terminal escapes and control characters.`;

interface LogsFlags {
  follow?: boolean;
  raw?: boolean;
  json?: boolean;
}

const describe = (run: RunToShow) =>
  run.state === "running"
    ? `run ${run.runId} of ${run.commandId}: running`
    : `run ${run.run.runId} of ${run.run.commandId}: ${run.run.outcome}, exit ${run.run.exitCode ?? "none"} (on record)`;

/** `ampa logs <command-id|run-id> [-f] [--raw]`: a run's output, live while it runs. */
export function registerLogs(program: Program): void {
  program
    .command("logs")
    .description("print a run's output; -f follows it live until the run ends")
    .argument("<id>", "a command id (its running or last run) or a run id")
    .option("-f, --follow", "follow the running run until it ends")
    .option("--raw", "print the lines as received, not agent events rendered")
    .option(JSON_FLAG[0], "one JSON line per output line: {runId, commandId, line}")
    .addHelpText("after", LOGS_HELP)
    .action(async (id: string, flags: LogsFlags) => {
      const key = idArgument(id);
      const stop = new AbortController();
      void untilStopSignal().then(() => stop.abort());
      await withTarget(program, async (target) => {
        let run: RunToShow | undefined;
        for await (const shown of shownRunLines(target, key, {
          follow: flags.follow ?? false,
          raw: flags.raw ?? false,
          signal: stop.signal,
          onRun: (r) => {
            run = r;
            if (!flags.json) process.stderr.write(`ampa: ${describe(r)}\n`);
          },
        })) {
          if (flags.json && run) {
            const ids = run.state === "running" ? run : run.run;
            out(terminalSafeJson({ commandId: ids.commandId, runId: ids.runId, line: shown }, 0));
          } else out(shown);
        }
        if (!run) process.stderr.write(`ampa: ${id} has not run yet\n`);
      });
    });
}
