import type { Command as Program } from "commander";
import { sendHeartbeat } from "../../lib/app/runners/heartbeat.js";
import { CliExit, cliServices, withTarget } from "../shared.js";

/** `ampa heartbeat`: one heartbeat now, whatever the schedule (the seed's `--once`). */
export function registerHeartbeat(program: Program): void {
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
}
