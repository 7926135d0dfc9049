import type { Command as Program } from "commander";
import { InvalidInputError } from "../../lib/core/errors.js";
import { loadConfig } from "../../lib/runtime/config.js";
import { checkOutputFile, writeOutputFile } from "../output-file.js";
import { printable } from "../format.js";
import { simulationJson, simulationTable } from "../simulation.js";
import { out, readInput } from "../shared.js";

interface SimulateFlags {
  workload: string;
  duration: string;
  tick: string;
  globalMinInterval?: string;
  weight?: string;
  html?: string;
  json?: boolean;
}

function numberOption(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0)
    throw new InvalidInputError(
      `Invalid ${name} ${JSON.stringify(raw)}: must be a number, at least 0`,
    );
  return value;
}

function secondsOption(name: string, raw: string, { positive }: { positive: boolean }): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0 || (positive && value === 0))
    throw new InvalidInputError(
      `Invalid ${name} ${JSON.stringify(raw)}: must be a number of seconds${positive ? " above 0" : ", at least 0"}`,
    );
  return Math.round(value * 1000);
}

async function runSimulation(flags: SimulateFlags): Promise<void> {
  // Loaded here only: the simulator's embedded store (dynalite, LevelDB) and the page would
  // cost every other command's start a tenth of a second.
  const { parseWorkload, simulate } = await import("../../lib/local/simulate.js");
  const { simulationPage } = await import("../dashboard/simulation-page.js");
  const workload = parseWorkload(readInput(flags.workload, "workload file"), flags.workload);
  // Refused before the simulation, which may take a while.
  const html = flags.html === undefined ? undefined : checkOutputFile(flags.html, "--html");
  const config = loadConfig((message) => process.stderr.write(`ampa: ${message}\n`));
  const durationMs = secondsOption("--duration", flags.duration, { positive: true });
  const tickMs = secondsOption("--tick", flags.tick, { positive: true });
  if (durationMs / tickMs > 100_000)
    throw new InvalidInputError(
      `--duration ${flags.duration} at --tick ${flags.tick} is more than 100000 ticks; simulate less at once`,
    );
  const result = await simulate({
    workload,
    durationMs,
    tickMs,
    globalMinIntervalMs:
      flags.globalMinInterval === undefined
        ? config.globalMinIntervalMs
        : secondsOption("--global-min-interval", flags.globalMinInterval, {
            positive: false,
          }),
    priorityWeight:
      flags.weight === undefined ? config.priorityWeight : numberOption("--weight", flags.weight),
    config,
  });
  if (html !== undefined) {
    const page = simulationPage(result, workload, { source: flags.workload });
    writeOutputFile(html, page, "--html");
    if (!flags.json) process.stderr.write(printable(`Wrote the timeline to ${html}\n`));
  }
  const json = () => ({ ...simulationJson(result), ...(html === undefined ? {} : { html }) });
  out(flags.json ? JSON.stringify(json(), null, 2) : simulationTable(result));
}

/** `ampa simulate --workload <file> --duration <s>`: the real scheduler on a fake clock. */
export function registerSimulate(program: Program): void {
  program
    .command("simulate")
    .description(
      "run the real scheduler on a fake clock and report start intervals against the fair ideal",
    )
    .requiredOption(
      "--workload <file>",
      "JSON array of {id, frequency_minutes, priority, type?, title?, requires_llm?, added_at_seconds?, paused?, run_seconds?}, or {commands, llm_down?}",
    )
    .requiredOption("--duration <seconds>", "simulated time")
    .option("--tick <seconds>", "tick period (EventBridge fires every 60 s)", "60")
    .option(
      "--global-min-interval <seconds>",
      "minimum gap between starts (default: as configured)",
    )
    .option("--weight <w>", "priority weight (default: as configured)")
    .option("--html <file>", "also write the timeline and the shares to this HTML file")
    .option("--json", "machine-readable output")
    .action(runSimulation);
}
