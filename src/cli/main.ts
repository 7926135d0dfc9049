import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { CommanderError, Option, Command as Program } from "commander";
import { COMMAND_ID_RULE, isLookupId } from "../lib/core/command.js";
import { AmpaError, InvalidInputError } from "../lib/core/errors.js";
import { asError } from "../lib/runtime/log.js";
import { redactSecrets } from "../lib/core/secrets.js";
import type { App } from "../lib/runtime/app.js";
import { services, workflowDeps } from "../lib/runtime/services.js";
import { loadConfig } from "../lib/runtime/config.js";
import { startInbox } from "../lib/local/inbox.js";
import { runOnce } from "../lib/app/run.js";
import {
  NO_WEBHOOK_EXIT_CODE,
  NO_WEBHOOK_MESSAGE,
  sendHeartbeat,
} from "../lib/app/runners/heartbeat.js";
import { runDelegationWorkflow } from "../lib/app/worklog/workflows.js";
import { exportPythonStore, serializePythonStore } from "../lib/app/python-store/export.js";
import { applyImport, planImport } from "../lib/app/python-store/import.js";
import { parsePythonStore } from "../lib/app/python-store/parse.js";
import { parseWorkload, simulate } from "../lib/local/simulate.js";
import { selectionOptions } from "../lib/app/tick.js";
import { commandTable, commandToJson, printable } from "./format.js";
import { simulationJson, simulationTable } from "./simulation.js";
import { type SpecFlags, specFromArgs } from "./spec.js";
import { statusJson, statusReport, statusTable } from "./status.js";
import { openTarget, type Target, type TargetOptions } from "./target.js";
import { importSummary } from "./transfer.js";

/** Exit codes: 0 ok, 2 bad input or unknown id, 1 anything unexpected; run-once: the command's. */
const EXIT_USAGE = 2;

class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

const out = (text: string) => process.stdout.write(`${text}\n`);

/** Items that do not parse are skipped by the store; say so on stderr. */
function warnCorrupt(corrupt: readonly { key: string; error: string }[]): void {
  for (const item of corrupt)
    process.stderr.write(printable(`ampa: skipping corrupt item ${item.key}: ${item.error}\n`));
}

/**
 * The id of remove, pause, resume and run-once. Any id a key can hold is looked up (so a
 * corrupt item can still be removed by its key); one no key can hold is refused here.
 */
function idArgument(id: string): string {
  if (!isLookupId(id)) throw new InvalidInputError(`Invalid id: ${COMMAND_ID_RULE}`);
  return id;
}

/** A person is waiting: one Discord send (retries included) gets at most this long. */
const CLI_MAX_SEND_MS = 120_000;
const cliServices = (app: App) => services(app, { maxSendMs: CLI_MAX_SEND_MS });

async function withTarget<T>(program: Program, fn: (target: Target) => Promise<T>): Promise<T> {
  const target = await openTarget(program.opts<TargetOptions>());
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

function specCommand(program: Program, name: "add" | "update", description: string): void {
  program
    .command(name)
    .description(description)
    .argument("<id>", "command id (letters, digits, '.', '_', '-')")
    .argument("<command>", "shell command line (for type shell)")
    .argument("<frequency_minutes>", "desired minutes between starts (positive integer)")
    .argument("<priority>", "integer 0-1000; higher wins ties in lateness")
    .option("--requires-llm", "only run while the LLM health check passes")
    .option("--metadata <json>", "JSON object of type-specific settings")
    .option("--max-runtime-minutes <n>", "kill the run after this many minutes")
    .addOption(
      new Option("--type <type>", "command type").choices([
        "shell",
        "heartbeat",
        "delegation",
        "triage-audit",
      ]),
    )
    .option("--title <title>", "human-facing title")
    .action(
      async (
        id: string,
        command: string,
        frequency: string,
        priority: string,
        flags: SpecFlags,
      ) => {
        const spec = specFromArgs(id, command, frequency, priority, flags);
        await withTarget(program, async ({ app }) => {
          if (name === "add") await app.store.addCommand({ ...spec, paused: false }, Date.now());
          else await app.store.updateCommand(spec);
        });
        out(`${name === "add" ? "Added" : "Updated"} ${id}`);
      },
    );
}

export function buildProgram(): Program {
  const program = new Program("ampa")
    .description("AMPA serverless admin: manage and run scheduled commands")
    .option("--stage <stage>", "work on the deployed table ampa-<stage>-state on AWS")
    .option("--region <region>", "AWS region of the deployed table")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("list")
    .description("list commands with their schedule state")
    .option("--json", "machine-readable output")
    .action(async (flags: { json?: boolean }) => {
      await withTarget(program, async ({ app }) => {
        const { commands, corrupt } = await app.store.listCommands();
        warnCorrupt(corrupt);
        commands.sort((a, b) => (a.id < b.id ? -1 : 1));
        out(
          flags.json
            ? JSON.stringify(commands.map(commandToJson), null, 2)
            : commandTable(commands, Date.now()),
        );
      });
    });

  specCommand(program, "add", "add a command");
  specCommand(program, "update", "replace an existing command's definition (state is kept)");

  program
    .command("remove")
    .description("remove a command and its run history")
    .argument("<id>")
    .action(async (id: string) => {
      const key = idArgument(id);
      await withTarget(program, ({ app }) => app.store.removeCommand(key));
      out(`Removed ${id}`);
    });

  for (const [name, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const) {
    program
      .command(name)
      .description(paused ? "stop scheduling a command" : "schedule a paused command again")
      .argument("<id>")
      .action(async (id: string) => {
        const key = idArgument(id);
        await withTarget(program, ({ app }) => app.store.setPaused(key, paused));
        out(`${paused ? "Paused" : "Resumed"} ${id}`);
      });
  }

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

  program
    .command("heartbeat")
    .description("send one heartbeat now (the seed's --once); exit 2 when no webhook is configured")
    .action(async () => {
      const result = await withTarget(program, ({ app }) =>
        sendHeartbeat(
          { notifier: cliServices(app).notifier, store: app.store, clock: Date.now },
          { force: true },
        ),
      );
      (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
      throw new CliExit(result.exitCode);
    });

  program
    .command("delegation")
    .description(
      "print the delegation report, then dispatch the top wl candidate when nothing is in progress",
    )
    .option("--discord", "also post the report to Discord as `Delegation Report`")
    .option("--dry-run", "print the report only; dispatch nothing")
    .action(async (flags: { discord?: boolean; dryRun?: boolean }) => {
      const outcome = await withTarget(program, async ({ app }) => {
        const { notifier } = cliServices(app);
        if (flags.discord && !(await notifier.configured())) return undefined;
        return runDelegationWorkflow(
          workflowDeps(app, notifier, Date.now() + app.config.defaultMaxRuntimeMinutes * 60_000),
          { post: Boolean(flags.discord), live: !flags.dryRun, auditOnly: false },
        );
      });
      if (!outcome) {
        process.stderr.write(`${NO_WEBHOOK_MESSAGE}\n`);
        throw new CliExit(NO_WEBHOOK_EXIT_CODE);
      }
      // Titles and ids come from wl: printed with control characters escaped.
      if (outcome.report) out(printable(outcome.report.text));
      if (outcome.error) process.stderr.write(`ampa: ${printable(outcome.error)}\n`);
      if (outcome.live) {
        if (outcome.live.output) out(`\n${printable(outcome.live.output)}`);
        out(`\n${printable(outcome.live.note)}`);
      }
      if (outcome.posted === false)
        process.stderr.write("ampa: the Discord post was not delivered; kept as a dead letter\n");
      if (!outcome.ok || outcome.posted === false) throw new CliExit(1);
    });

  const deadletters = program
    .command("deadletters")
    .description("Discord messages that could not be delivered");
  deadletters
    .command("list")
    .description("list dead letters, oldest first")
    .option("--json", "machine-readable output")
    .action(async (flags: { json?: boolean }) => {
      const letters = await withTarget(program, ({ app }) => app.store.listDeadLetters());
      if (flags.json) {
        out(JSON.stringify(letters, null, 2));
        return;
      }
      if (letters.length === 0) out("No dead letters.");
      for (const l of letters) {
        const title = l.content.split("\n", 1)[0] ?? "";
        out(
          printable(
            `${new Date(l.createdAt).toISOString()}  ${l.kind.padEnd(9)} ${title.slice(0, 40)}  (${l.reason})`,
          ),
        );
      }
    });
  deadletters
    .command("redrive")
    .description("resend every dead letter; delivered ones are deleted")
    .action(async () => {
      const result = await withTarget(program, ({ app }) =>
        cliServices(app).notifier.redrive((letter, delivered, reason) =>
          out(
            `${delivered ? "delivered" : "failed   "} ${letter.id}${reason ? ` (${reason})` : ""}`,
          ),
        ),
      );
      out(
        `Redrive: ${result.delivered} delivered, ${result.failed} failed, ${result.skipped} held by another redrive, of ${result.total}.`,
      );
      if (result.failed > 0) throw new CliExit(1);
    });

  program
    .command("inbox")
    .description("run a local Discord-compatible inbox that prints every message it receives")
    .option("--port <port>", "port on 127.0.0.1 (default AMPA_INBOX_PORT, 8025)")
    .action(async (flags: { port?: string }) => {
      const port = flags.port === undefined ? loadConfig(() => {}).inboxPort : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new InvalidInputError(`Invalid --port ${JSON.stringify(flags.port)}`);
      const inbox = await startInbox({ port });
      out(`Local Discord inbox listening. Webhook URL: ${inbox.url}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await inbox.close();
    });

  program
    .command("status")
    .description("what runs next: every command with its lateness, score and lease")
    .option("--json", "machine-readable output")
    .action(async (flags: { json?: boolean }) => {
      await withTarget(program, async ({ app }) => {
        const { commands, corrupt } = await app.store.listCommands();
        warnCorrupt(corrupt);
        const report = statusReport(
          commands,
          Date.now(),
          selectionOptions(app.config),
          await app.store.getLastGlobalStart(),
        );
        out(flags.json ? JSON.stringify(statusJson(report), null, 2) : statusTable(report));
      });
    });

  program
    .command("import")
    .description("import the Python daemon's JSON store: commands, state, history, audit times")
    .argument(
      "<file>",
      "the Python daemon's store (AMPA_SCHEDULER_STORE), e.g. scheduler_store.json",
    )
    .option("--dry-run", "validate and show what would change; write nothing")
    .action(async (file: string, flags: { dryRun?: boolean }) => {
      const text = readInput(file, "store file");
      await withTarget(program, async ({ app, description }) => {
        const parsed = parsePythonStore(text, {
          maxOutputBytes: app.config.maxOutputBytes,
          source: basename(file),
        });
        const plan = await planImport(app.store, parsed, {
          maxRunHistory: app.config.maxRunHistory,
          now: Date.now(),
        });
        if (!flags.dryRun) await applyImport(app.store, plan);
        out(
          printable(
            importSummary(plan, {
              file,
              target: description,
              dryRun: Boolean(flags.dryRun),
              maxRunHistory: app.config.maxRunHistory,
            }),
          ),
        );
      });
    });

  program
    .command("export")
    .description("write the store in the Python daemon's JSON format (ampa import reads it back)")
    .option("--out <file>", "write to this file instead of standard output")
    .action(async (flags: { out?: string }) => {
      const exported = await withTarget(program, ({ app }) => exportPythonStore(app.store));
      for (const warning of exported.warnings)
        process.stderr.write(`ampa: ${printable(warning)}\n`);
      const text = serializePythonStore(exported.store);
      if (!flags.out) {
        process.stdout.write(text);
        return;
      }
      // Written beside the target and renamed: a reader never sees half a file.
      const partial = `${flags.out}.partial-${process.pid}`;
      writeFileSync(partial, text);
      renameSync(partial, flags.out);
      const count = Object.keys(exported.store.commands as object).length;
      process.stderr.write(`Exported ${count} commands to ${flags.out}\n`);
    });

  program
    .command("simulate")
    .description(
      "run the real scheduler on a fake clock with instant runs and report start intervals",
    )
    .requiredOption(
      "--workload <file>",
      "JSON array of {id, frequency_minutes, priority, requires_llm?}",
    )
    .requiredOption("--duration <seconds>", "simulated time")
    .option("--tick <seconds>", "tick period (EventBridge fires every 60 s)", "60")
    .option(
      "--global-min-interval <seconds>",
      "minimum gap between starts (default: as configured)",
    )
    .option("--weight <w>", "priority weight (default: as configured)")
    .option("--json", "machine-readable output")
    .action(
      async (flags: {
        workload: string;
        duration: string;
        tick: string;
        globalMinInterval?: string;
        weight?: string;
        json?: boolean;
      }) => {
        const workload = parseWorkload(readInput(flags.workload, "workload file"), flags.workload);
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
            flags.weight === undefined
              ? config.priorityWeight
              : numberOption("--weight", flags.weight),
          config,
        });
        out(flags.json ? JSON.stringify(simulationJson(result), null, 2) : simulationTable(result));
      },
    );

  return program;
}

function readInput(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new InvalidInputError(`Cannot read ${what} ${file}: ${asError(err).message}`);
  }
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
