import { randomUUID } from "node:crypto";
import type { Command as Program } from "commander";
import { NO_WEBHOOK_MESSAGE } from "../../lib/app/commands/heartbeat/send.js";
import { type DelegationOutcome, runDelegationWorkflow } from "../../lib/app/worklog/workflows.js";
import { redactSecrets } from "../../lib/core/secrets.js";
import { workflowDeps } from "../../lib/runtime/services.js";
import { printable } from "../format.js";
import { EXIT } from "../exit-codes.js";
import { CliExit, cliServices, JSON_FLAG, out, outJson, withTarget } from "../shared.js";

interface DelegationFlags {
  discord?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** The --json result: the report, what live delegation did, whether the post went out. */
function outcomeJson(outcome: DelegationOutcome): Record<string, unknown> {
  return {
    ok: outcome.ok && outcome.posted !== false,
    report: outcome.report?.text ?? null,
    busy: outcome.report?.busy ?? null,
    error: outcome.error ?? null,
    live: outcome.live ?? null,
    posted: outcome.posted ?? null,
  };
}

/** What the run printed and whether it ended well; titles and ids come from wl, escaped. */
function report(outcome: DelegationOutcome, json: boolean | undefined): void {
  if (json) {
    outJson(outcomeJson(outcome));
    if (!outcome.ok || outcome.posted === false) throw new CliExit(EXIT.failure);
    return;
  }
  if (outcome.report) out(printable(outcome.report.text));
  if (outcome.error) process.stderr.write(`ampa: ${printable(redactSecrets(outcome.error))}\n`);
  if (outcome.live) {
    if (outcome.live.output) out(`\n${printable(outcome.live.output)}`);
    out(`\n${printable(outcome.live.note)}`);
  }
  if (outcome.posted === false)
    process.stderr.write("ampa: the Discord post was not delivered; kept as a dead letter\n");
  if (!outcome.ok || outcome.posted === false) throw new CliExit(EXIT.failure);
}

/** `ampa delegation [--discord] [--dry-run]`: the report, then one dispatch when idle. */
export function registerDelegation(program: Program): void {
  program
    .command("delegation")
    .description(
      "print the delegation report, then dispatch the top wl candidate when nothing is in progress",
    )
    .option(
      "--discord",
      "also post the report to Discord as `Delegation Report` (exits 3 without a webhook)",
    )
    .option("--dry-run", "print the report only; dispatch nothing")
    .option(...JSON_FLAG)
    .action(async (flags: DelegationFlags) => {
      const outcome = await withTarget(program, async ({ app }) => {
        const { notifier } = cliServices(app);
        if (flags.discord && !(await notifier.configured())) return undefined;
        return runDelegationWorkflow(
          workflowDeps(app, notifier, Date.now() + app.config.defaultMaxRuntimeMinutes * 60_000),
          {
            post: Boolean(flags.discord),
            live: !flags.dryRun,
            claim: {
              commandId: "ampa-delegation",
              runId: randomUUID(),
              assignee: app.config.delegateAssignee,
            },
            dispatchStore: app.store,
            counters: app.store,
          },
        );
      });
      if (!outcome)
        throw new CliExit(EXIT.notConfigured, {
          message: NO_WEBHOOK_MESSAGE,
          code: "not-configured",
        });
      report(outcome, flags.json);
    });
}
