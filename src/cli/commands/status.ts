import type { Command as Program } from "commander";
import { selectionOptions } from "../../lib/app/tick.js";
import { heldBack } from "../../lib/app/worklog/attempts.js";
import { ACTIONS_SHOWN, statusReport, usageOnRecord } from "../status.js";
import { statusJson, statusTable } from "../status-text.js";
import { JSON_FLAG, out, outJson, warnCorrupt, withTarget } from "../shared.js";

/** `ampa status [--json]`: what runs next, in the scheduler's order. */
export function registerStatus(program: Program): void {
  program
    .command("status")
    .description("what runs next: every command with its lateness, score and lease")
    .option(...JSON_FLAG)
    .action(async (flags: { json?: boolean }) => {
      await withTarget(program, async ({ app }) => {
        const { commands, corrupt } = await app.store.listCommands();
        warnCorrupt(corrupt);
        const scheduler = await app.store.getSchedulerState();
        const now = Date.now();
        const report = statusReport(
          commands,
          now,
          selectionOptions(app.config),
          scheduler.lastGlobalStartAt,
          scheduler,
          app.config.defaultMaxRuntimeMinutes,
        );
        report.heldBack = heldBack(await app.store.listDispatches(), now);
        report.actions = await app.store.listActions(ACTIONS_SHOWN);
        report.usage = await usageOnRecord(app.store, commands, app.config.maxRunHistory);
        if (flags.json) outJson(statusJson(report));
        else out(statusTable(report));
      });
    });
}
