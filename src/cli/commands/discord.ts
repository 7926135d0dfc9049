import type { Command as Program } from "commander";
import { applicationId, createWebhook, overwriteCommands } from "../../lib/adapters/discord-api.js";
import { putSecureString, ssmSecret } from "../../lib/adapters/ssm-secret.js";
import { SLASH_COMMAND } from "../../lib/core/discord/slash-commands.js";
import { isLinkUrl } from "../../lib/local/discord-local.js";
import { InvalidInputError } from "../../lib/core/errors.js";
import { type Config, envFile, loadConfig, setEnvVariable } from "../../lib/runtime/config.js";
import { registerProcessSecrets } from "../../lib/runtime/process-secrets.js";
import { EXIT } from "../exit-codes.js";
import { CliExit, JSON_FLAG, out, outJson } from "../shared.js";
import type { TargetOptions } from "../target.js";

/**
 * The bot token: AMPA_DISCORD_BOT_TOKEN, else with --stage/--region the stage's SSM
 * SecureString, read with the operator's credentials (no function may read it).
 */
async function botToken(config: Config, opts: TargetOptions): Promise<string> {
  const stage = opts.stage ?? config.stage;
  const name = `/ampa/${stage}/discord/bot-token`;
  const token =
    config.discordBotToken ??
    (opts.stage || opts.region
      ? await ssmSecret({ name, region: opts.region ?? config.region, cacheMs: 0 })()
      : undefined);
  if (!token)
    throw new InvalidInputError(
      `No bot token: set AMPA_DISCORD_BOT_TOKEN${opts.stage || opts.region ? `, or put it in SSM ${name}` : ", or pass --stage to read it from SSM"}`,
    );
  return token;
}

/** `ampa discord register|setup|click`: Discord as a control surface. */
export function registerDiscord(program: Program): void {
  const discord = program.command("discord").description("Discord as a control surface");
  registerSlashCommand(program, discord);
  registerSetup(program, discord);
  registerClick(discord);
}

/** `ampa discord register [--guild <id>]`: the /ampa slash command, put on Discord. */
function registerSlashCommand(program: Program, discord: Program): void {
  discord
    .command("register")
    .description(
      "put /ampa on a guild through the bot token (a bulk overwrite: run it again freely)",
    )
    .option(
      "--guild <id>",
      "the guild (server) id; without it, global commands (up to an hour to show)",
    )
    .option(...JSON_FLAG)
    .action(async (flags: { guild?: string; json?: boolean }) => {
      if (flags.guild !== undefined && !/^\d{1,20}$/.test(flags.guild))
        throw new InvalidInputError(
          `--guild must be a guild id (digits), not ${JSON.stringify(flags.guild)}`,
        );
      const config = loadConfig(() => {});
      registerProcessSecrets(config);
      const token = await botToken(config, program.opts<TargetOptions>());
      const appId = await applicationId(config.discordApiUrl, token);
      const target = { applicationId: appId, guildId: flags.guild };
      const registered = await overwriteCommands(config.discordApiUrl, token, target, [
        SLASH_COMMAND,
      ]);
      const where = flags.guild ? `guild ${flags.guild}` : "every guild (global)";
      if (flags.json)
        outJson({
          applicationId: appId,
          guildId: flags.guild ?? null,
          commands: registered.length,
        });
      else
        out(
          `Registered /ampa (${SLASH_COMMAND.options.length} subcommands) for application ${appId} on ${where}.`,
        );
    });
}

/**
 * `ampa discord setup --channel <id>`: an application-owned webhook, stored where AMPA
 * reads its webhook (SSM with --stage/--region, else `.env`).
 */
function registerSetup(program: Program, discord: Program): void {
  discord
    .command("setup")
    .description("make an application-owned webhook on a channel, whose posts carry buttons")
    .requiredOption("--channel <id>", "the channel AMPA posts to")
    .option("--name <name>", "the webhook's name in Discord", "AMPA")
    .option(...JSON_FLAG)
    .action(async (flags: { channel: string; name: string; json?: boolean }) => {
      if (!/^\d{1,20}$/.test(flags.channel))
        throw new InvalidInputError(
          `--channel must be a channel id (digits), not ${JSON.stringify(flags.channel)}`,
        );
      const config = loadConfig(() => {});
      registerProcessSecrets(config);
      const target = program.opts<TargetOptions>();
      const token = await botToken(config, target);
      const hook = await createWebhook(config.discordApiUrl, token, flags.channel, flags.name);
      // A secret: stored where AMPA reads the webhook, never printed.
      const url = `${config.discordApiUrl}/webhooks/${hook.id}/${hook.token}?with_components=true`;
      let storedIn: string;
      if (target.stage || target.region) {
        const name = `/ampa/${target.stage ?? config.stage}/discord-webhook`;
        await putSecureString(target.region ?? config.region, name, url);
        storedIn = `SSM ${name}`;
      } else {
        storedIn = envFile();
        setEnvVariable(storedIn, "AMPA_DISCORD_WEBHOOK", url);
      }
      if (flags.json) outJson({ webhookId: hook.id, channelId: flags.channel, storedIn });
      else
        out(
          `Made webhook ${hook.id} on channel ${flags.channel}, owned by the application: posts through it carry buttons. Its URL is in ${storedIn} (AMPA_DISCORD_WEBHOOK).`,
        );
    });
}

/** `ampa discord click <message-id> <button>`: a click on a local inbox post. */
function registerClick(discord: Program): void {
  discord
    .command("click")
    .description("click a button of a post in the local inbox, as Discord would (signed)")
    .argument("<message-id>", "the post's message id (the inbox shows it)")
    .argument("<button>", "the button's label (e.g. Pause) or its position from 1")
    .option("--inbox <url>", "the inbox (default http://127.0.0.1:<AMPA_INBOX_PORT>)")
    .option(...JSON_FLAG)
    .action(
      async (messageId: string, button: string, flags: { inbox?: string; json?: boolean }) => {
        if (!/^\d{1,20}$/.test(messageId))
          throw new InvalidInputError(
            `<message-id> must be digits, not ${JSON.stringify(messageId)}`,
          );
        const inbox = flags.inbox ?? `http://127.0.0.1:${loadConfig(() => {}).inboxPort}`;
        const res = await fetch(new URL("/click", inbox), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ messageId, button }),
          redirect: "error",
          signal: AbortSignal.timeout(15_000),
        });
        const reply = (await res.json()) as {
          message?: string;
          /** A link button's URL (https, checked by the inbox): nothing was sent. */
          url?: string;
          status?: number;
          answer?: { type?: number; data?: { content?: string; flags?: number } } | string;
        };
        if (res.status === 409 && isLinkUrl(reply.url)) {
          if (flags.json) outJson({ messageId, button, url: reply.url });
          else out(`${button} is a link, not a click: it opens ${reply.url}`);
          throw new CliExit(EXIT.failure);
        }
        if (!res.ok) throw new InvalidInputError(`The inbox refused the click: ${reply.message}`);
        if (flags.json) outJson({ messageId, button, ...reply });
        else out(clickText(reply.status ?? 0, reply.answer));
        // The endpoint refused it (a bad signature, a key that is not the local one).
        if (reply.status !== 200) throw new CliExit(EXIT.failure);
      },
    );
}

/** What the endpoint answered a click, in a line. */
function clickText(
  status: number,
  answer: { type?: number; data?: { content?: string; flags?: number } } | string | undefined,
): string {
  if (status !== 200 || typeof answer !== "object")
    return `The endpoint answered ${status}: ${JSON.stringify(answer)}`;
  const only = answer.data?.flags === 64 ? " (only you see it)" : "";
  if (answer.type === 5) return `Deferred${only}: the answer follows in the inbox.`;
  return `Answered${only}: ${answer.data?.content ?? JSON.stringify(answer)}`;
}
