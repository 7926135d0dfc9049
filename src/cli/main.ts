import { CommanderError, Command as Program } from "commander";
import { AmpaError } from "../lib/core/errors.js";
import { redactSecrets } from "../lib/core/secrets.js";
import { asError } from "../lib/runtime/log.js";
import { registerAdd, registerUpdate } from "./commands/add.js";
import { registerDeadletters } from "./commands/deadletters.js";
import { registerDelegation } from "./commands/delegation.js";
import { registerExport } from "./commands/export.js";
import { registerHeartbeat } from "./commands/heartbeat.js";
import { registerImport } from "./commands/import.js";
import { registerInbox } from "./commands/inbox.js";
import { registerList } from "./commands/list.js";
import { registerPause, registerResume } from "./commands/pause.js";
import { registerRemove } from "./commands/remove.js";
import { registerRunOnce } from "./commands/run-once.js";
import { registerSimulate } from "./commands/simulate.js";
import { registerStatus } from "./commands/status.js";
import { printable } from "./format.js";
import { CliExit } from "./shared.js";

/** Exit codes: 0 ok, 2 bad input or unknown id, 1 anything unexpected; run-once: the command's. */
const EXIT_USAGE = 2;

/** The subcommands, in the order `ampa --help` lists them. */
const REGISTRARS: readonly ((program: Program) => void)[] = [
  registerList,
  registerAdd,
  registerUpdate,
  registerRemove,
  registerPause,
  registerResume,
  registerRunOnce,
  registerHeartbeat,
  registerDelegation,
  registerDeadletters,
  registerInbox,
  registerStatus,
  registerImport,
  registerExport,
  registerSimulate,
];

/** The `ampa` program: the global options every subcommand reads, then the subcommands. */
export function buildProgram(): Program {
  const program = new Program("ampa")
    .description("AMPA serverless admin: manage and run scheduled commands")
    .option("--stage <stage>", "work on the deployed table ampa-<stage>-state on AWS")
    .option("--region <region>", "AWS region of the deployed table")
    .showHelpAfterError()
    .exitOverride();
  for (const register of REGISTRARS) register(program);
  return program;
}

/** Runs `ampa` with `argv` (without node and the script) and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    if (err instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof AmpaError) {
      process.stderr.write(`${printable(redactSecrets(err.message))}\n`);
      // The store being down is not the caller's mistake.
      return err.code === "store-unavailable" ? 1 : EXIT_USAGE;
    }
    process.stderr.write(`ampa: ${printable(redactSecrets(asError(err).message))}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
