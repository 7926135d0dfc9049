import { CommanderError, Command as Program } from "commander";
import { AmpaError } from "../lib/core/errors.js";
import { redactSecrets } from "../lib/core/secrets.js";
import { asError } from "../lib/runtime/log.js";
import { registerAdd, registerUpdate } from "./commands/add.js";
import { registerAgents } from "./commands/agents.js";
import { registerDeadletters } from "./commands/deadletters.js";
import { registerDiscord } from "./commands/discord.js";
import { registerDelegation } from "./commands/delegation.js";
import { registerExport } from "./commands/export.js";
import { registerHeartbeat } from "./commands/heartbeat.js";
import { registerImport } from "./commands/import.js";
import { registerInbox } from "./commands/inbox.js";
import { registerList } from "./commands/list.js";
import { registerLogs } from "./commands/logs.js";
import { registerPause, registerResume } from "./commands/pause.js";
import { registerRemove } from "./commands/remove.js";
import { registerRunOnce } from "./commands/run-once.js";
import { registerSimulate } from "./commands/simulate.js";
import { registerStatus } from "./commands/status.js";
import { registerCompletion } from "./commands/completion.js";
import { registerDashboard } from "./commands/dashboard.js";
import { EXIT, EXIT_CODES_HELP } from "./exit-codes.js";
import { printable, terminalSafeJson } from "./format.js";
import { CliExit } from "./shared.js";
import { cliVersion } from "./version.js";

/** The subcommands, in the order `ampa --help` lists them. */
const REGISTRARS: readonly ((program: Program) => void)[] = [
  registerList,
  registerAdd,
  registerUpdate,
  registerRemove,
  registerPause,
  registerResume,
  registerRunOnce,
  registerLogs,
  registerHeartbeat,
  registerDelegation,
  registerAgents,
  registerDeadletters,
  registerDiscord,
  registerInbox,
  registerStatus,
  registerImport,
  registerExport,
  registerSimulate,
  registerDashboard,
  registerCompletion,
];

const HELP_WIDTH = 80;

/**
 * A subcommand in the list of `ampa --help`: its name and first argument ("…" when more
 * follow), so the descriptions keep room within 80 columns (`ampa help <verb>` has all).
 */
function subcommandTerm(cmd: Program): string {
  const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`));
  return [cmd.name(), ...args.slice(0, 1), ...(args.length > 1 ? ["…"] : [])].join(" ");
}

/** The `ampa` program: the global options every subcommand reads, then the subcommands. */
export function buildProgram(): Program {
  const program = new Program("ampa")
    .description("AMPA serverless admin: manage and run scheduled commands")
    .version(cliVersion(), "-V, --version", "print the version")
    .option("--stage <stage>", "work on the deployed table ampa-<stage>-state on AWS")
    .option("--region <region>", "AWS region of the deployed table")
    // Within 80 columns even on a wider terminal; narrower when the terminal is.
    .configureHelp({
      helpWidth: Math.min(HELP_WIDTH, process.stdout.columns || HELP_WIDTH),
      subcommandTerm,
      showGlobalOptions: true,
    })
    .addHelpText("after", EXIT_CODES_HELP)
    .showHelpAfterError()
    .exitOverride();
  for (const register of REGISTRARS) register(program);
  return program;
}

/** Every command of the program, the program first, depth first. */
export function allCommands(program: Program): Program[] {
  return [program, ...program.commands.flatMap((c) => allCommands(c))];
}

/** `--json` before any `--`: errors are then written as one JSON line. */
const wantsJson = (argv: readonly string[]) =>
  (argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv).includes("--json");

/** The one error → exit code map (the codes are in exit-codes.ts and `ampa --help`). */
function exitCodeOf(err: unknown): { exitCode: number; code: string } {
  if (err instanceof CliExit) return { exitCode: err.exitCode, code: err.reason?.code ?? "exit" };
  // Help and version exit 0; every parse error is a usage error.
  if (err instanceof CommanderError)
    return { exitCode: err.exitCode === 0 ? EXIT.ok : EXIT.usage, code: err.code };
  if (err instanceof AmpaError) {
    const byCode: Record<AmpaError["code"], number> = {
      "invalid-input": EXIT.usage,
      "unknown-command": EXIT.usage,
      "duplicate-command": EXIT.usage,
      "lease-held": EXIT.busy,
      locked: EXIT.busy,
      // The store being down is not the caller's mistake.
      "store-unavailable": EXIT.failure,
    };
    return { exitCode: byCode[err.code], code: err.code };
  }
  return { exitCode: EXIT.failure, code: "unexpected" };
}

/** What the error says on stderr: commander and CliExit without a reason have said it. */
function errorMessage(err: unknown): string | undefined {
  if (err instanceof CliExit) return err.reason?.message;
  if (err instanceof CommanderError) return err.message;
  if (err instanceof AmpaError) return err.message;
  return `ampa: ${asError(err).message}`;
}

/** Runs `ampa` with `argv` (without node and the script) and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  const program = buildProgram();
  // With --json, commander's own error text and help-after-error give way to the JSON line.
  if (json) for (const cmd of allCommands(program)) cmd.configureOutput({ writeErr: () => {} });
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (err) {
    return reportError(err, json);
  }
}

/**
 * What `ampa` does with a verb's error: says it on stderr (`writeErr`), as text or with
 * --json as one JSON line, and returns its exit code.
 */
export function reportError(
  err: unknown,
  json: boolean,
  writeErr: (text: string) => void = (text) => process.stderr.write(text),
): number {
  const { exitCode, code } = exitCodeOf(err);
  const message = errorMessage(err);
  if (exitCode === EXIT.ok || message === undefined) return exitCode;
  const redacted = redactSecrets(message);
  if (json) {
    const error = { exitCode, code, message: redacted };
    // One line: a script reads stderr line by line.
    writeErr(`${terminalSafeJson({ error }, 0)}\n`);
  } else if (!(err instanceof CommanderError)) {
    writeErr(`${printable(redacted)}\n`);
  }
  return exitCode;
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
