import type { Command as Program } from "commander";
import { printable } from "../format.js";
import { EXIT } from "../exit-codes.js";
import { CliExit, cliServices, JSON_FLAG, out, outJson, withTarget } from "../shared.js";

/** `ampa deadletters list [--json]` and `ampa deadletters redrive`. */
export function registerDeadletters(program: Program): void {
  const deadletters = program
    .command("deadletters")
    .description("Discord messages that could not be delivered");
  deadletters
    .command("list")
    .description("list dead letters, oldest first")
    .option(...JSON_FLAG)
    .action(async (flags: { json?: boolean }) => {
      const letters = await withTarget(program, ({ app }) => app.store.listDeadLetters());
      if (flags.json) {
        outJson(letters);
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
    .option(...JSON_FLAG)
    .action(async (flags: { json?: boolean }) => {
      const letters: { id: string; kind: string; delivered: boolean; reason: string | null }[] = [];
      const result = await withTarget(program, ({ app }) =>
        cliServices(app).notifier.redrive((letter, delivered, reason) => {
          letters.push({ id: letter.id, kind: letter.kind, delivered, reason: reason ?? null });
          if (!flags.json)
            out(
              `${delivered ? "delivered" : "failed   "} ${letter.id}${reason ? ` (${reason})` : ""}`,
            );
        }),
      );
      if (flags.json) outJson({ ...result, letters });
      else
        out(
          `Redrive: ${result.delivered} delivered, ${result.failed} failed, ${result.skipped} held by another redrive, of ${result.total}.`,
        );
      if (result.failed > 0) throw new CliExit(EXIT.failure);
    });
}
