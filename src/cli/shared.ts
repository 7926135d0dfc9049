import { readFileSync } from "node:fs";
import type { Command as Program } from "commander";
import { COMMAND_ID_RULE, isLookupId } from "../lib/core/command.js";
import { InvalidInputError } from "../lib/core/errors.js";
import { redactSecrets } from "../lib/core/secrets.js";
import { asError } from "../lib/runtime/log.js";
import type { App } from "../lib/runtime/app.js";
import { services } from "../lib/runtime/services.js";
import { printable, terminalSafeJson } from "./format.js";
import { openTarget, type Target, type TargetOptions } from "./target.js";

/** What every subcommand shares: output, the target table, exits with a code of their own. */

/**
 * Thrown by a subcommand that ends with an exit code of its own; `main` returns the code,
 * after writing `message` (when given) on stderr as text or, with --json, as JSON.
 */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly reason?: { message: string; code: string },
  ) {
    super(reason?.message ?? `exit ${exitCode}`);
  }
}

/** Text on standard output, redacted (it may hold a run's output or a store's item). */
export const write = (text: string) => process.stdout.write(redactSecrets(text));

/** One line on standard output, redacted. */
export const out = (text: string) => write(`${text}\n`);

/**
 * Resolves on the first SIGINT or SIGTERM. A long-running verb calls it before it prints
 * that it is ready: a caller that stops it as soon as it reads that line must find the
 * handler installed, or the signal's default action kills the process (seen under load).
 */
export const untilStopSignal = () =>
  new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, resolve);
  });

/** The `<id>` of remove, pause, resume and run-once. */
export const ID_ARGUMENT = ["<id>", "id of the command (see ampa list)"] as const;

/** The `--json` option every verb has (the conventions test checks it). */
export const JSON_FLAG = ["--json", "print a machine-readable result on stdout"] as const;

/**
 * A --json result on standard output. Control and format characters inside strings become
 * `\uXXXX` escapes: the same JSON value, and a terminal showing it cannot be recoloured.
 */
export const outJson = (result: unknown) => out(terminalSafeJson(result));

/** Items that do not parse are skipped by the store; say so on stderr. */
export function warnCorrupt(corrupt: readonly { key: string; error: string }[]): void {
  for (const item of corrupt)
    process.stderr.write(
      printable(redactSecrets(`ampa: skipping corrupt item ${item.key}: ${item.error}\n`)),
    );
}

/**
 * The id of remove, pause, resume and run-once. Any id a key can hold is looked up (so a
 * corrupt item can still be removed by its key); one no key can hold is refused here.
 */
export function idArgument(id: string): string {
  if (!isLookupId(id)) throw new InvalidInputError(`Invalid id: ${COMMAND_ID_RULE}`);
  return id;
}

/** A person is waiting: one Discord send (retries included) gets at most this long. */
const CLI_MAX_SEND_MS = 120_000;

/** The per-invocation services, with the CLI's bound on one Discord send. */
export const cliServices = (app: App) => services(app, { maxSendMs: CLI_MAX_SEND_MS });

/** Runs `fn` on the table the global options (`--stage`, `--region`) name, then closes it. */
export async function withTarget<T>(
  program: Program,
  fn: (target: Target) => Promise<T>,
  opts: { serving?: boolean } = {},
): Promise<T> {
  const target = await openTarget(program.opts<TargetOptions>(), opts);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

/** The text of an input file; one that cannot be read is the caller's mistake. */
export function readInput(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new InvalidInputError(`Cannot read ${what} ${file}: ${asError(err).message}`);
  }
}
