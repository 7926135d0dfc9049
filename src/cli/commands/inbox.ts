import type { Command as Program } from "commander";
import { InvalidInputError } from "../../lib/core/errors.js";
import { startInbox } from "../../lib/local/inbox.js";
import { loadConfig } from "../../lib/runtime/config.js";
import { JSON_FLAG, out, untilStopSignal } from "../shared.js";
import { terminalSafeJson } from "../format.js";

/** `ampa inbox [--port <port>]`: a local Discord-compatible inbox until SIGINT or SIGTERM. */
export function registerInbox(program: Program): void {
  program
    .command("inbox")
    .description("run a local Discord-compatible inbox that prints every message it receives")
    .option("--port <port>", "port on 127.0.0.1 (default AMPA_INBOX_PORT, 8025)")
    .option(JSON_FLAG[0], "print one JSON object a line: the URL, then each message")
    .action(async (flags: { port?: string; json?: boolean }) => {
      const port = flags.port === undefined ? loadConfig(() => {}).inboxPort : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new InvalidInputError(`Invalid --port ${JSON.stringify(flags.port)}`);
      // A long-running verb: its result is a stream of JSON lines, not one object.
      const line = (value: unknown) => out(terminalSafeJson(value, 0));
      const stopped = untilStopSignal();
      const inbox = await startInbox({
        port,
        ...(flags.json
          ? {
              print: (content) =>
                line({ message: { receivedAt: new Date().toISOString(), content } }),
            }
          : {}),
      });
      if (flags.json) line({ listening: { url: inbox.url } });
      else out(`Local Discord inbox listening. Webhook URL: ${inbox.url}`);
      await stopped;
      await inbox.close();
    });
}
