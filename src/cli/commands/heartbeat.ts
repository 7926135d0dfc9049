import type { Command as Program } from "commander";
import {
  NO_WEBHOOK_EXIT_CODE,
  NO_WEBHOOK_MESSAGE,
  sendHeartbeat,
} from "../../lib/app/commands/heartbeat/send.js";
import { EXIT } from "../exit-codes.js";
import { CliExit, cliServices, JSON_FLAG, outJson, withTarget } from "../shared.js";

/** `ampa heartbeat`: one heartbeat now, whatever the schedule. */
export function registerHeartbeat(program: Program): void {
  program
    .command("heartbeat")
    .description("send one heartbeat now; exits 3 when no webhook is configured")
    .option(...JSON_FLAG)
    .action(async (flags: { json?: boolean }) => {
      const result = await withTarget(program, ({ app }) =>
        sendHeartbeat(
          { notifier: cliServices(app).notifier, store: app.store, clock: Date.now },
          { force: true },
        ),
      );
      // The heartbeat run's own code for "no webhook" (2, kept in run records) is the
      // CLI's "not configured".
      if (result.exitCode === NO_WEBHOOK_EXIT_CODE)
        throw new CliExit(EXIT.notConfigured, {
          message: NO_WEBHOOK_MESSAGE,
          code: "not-configured",
        });
      const sent = result.exitCode === 0;
      if (flags.json) outJson({ sent, outcome: result.outcome, message: result.output });
      else (sent ? process.stdout : process.stderr).write(`${result.output}\n`);
      if (!sent) throw new CliExit(EXIT.failure);
    });
}
