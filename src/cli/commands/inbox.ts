import type { Command as Program } from "commander";
import { InvalidInputError } from "../../lib/core/errors.js";
import { buttonsOf, readLocalIdentity } from "../../lib/local/discord-local.js";
import { startInbox } from "../../lib/local/inbox.js";
import { localIdentityPath } from "../../lib/runtime/local-stack.js";
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
      const config = loadConfig(() => {});
      const port = flags.port === undefined ? config.inboxPort : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new InvalidInputError(`Invalid --port ${JSON.stringify(flags.port)}`);
      // A long-running verb: its result is a stream of JSON lines, not one object.
      const line = (value: unknown) => out(terminalSafeJson(value, 0));
      const stopped = untilStopSignal();
      // Made by the first `npm start`; without it the page's buttons cannot be clicked.
      const identity = readLocalIdentity(localIdentityPath(config.storeDir));
      const inbox = await startInbox({
        port,
        ...(identity && {
          botToken: identity.botToken,
          // The page's buttons go to the local stack's endpoint (serverless-offline).
          clicks: {
            interactionsUrl: `http://127.0.0.1:${config.metricsPort}/discord/interactions`,
            privateKey: identity.privateKey,
          },
        }),
        ...(flags.json
          ? {
              print: (m) =>
                line({
                  message: {
                    id: m.id,
                    via: m.via,
                    receivedAt: new Date(m.receivedAt).toISOString(),
                    content: m.content,
                    buttons: buttonsOf(m.components).map((b) => b.label),
                  },
                }),
            }
          : {}),
      });
      if (flags.json) line({ listening: { url: inbox.url, page: inbox.pageUrl } });
      else out(`Local Discord inbox listening. Webhook URL: ${inbox.url}  Page: ${inbox.pageUrl}`);
      await stopped;
      await inbox.close();
    });
}
