import type { Command as Program } from "commander";
import { InvalidInputError } from "../../lib/core/errors.js";
import { startInbox } from "../../lib/local/inbox.js";
import { loadConfig } from "../../lib/runtime/config.js";
import { out } from "../shared.js";

/** `ampa inbox [--port <port>]`: a local Discord-compatible inbox until SIGINT or SIGTERM. */
export function registerInbox(program: Program): void {
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
}
