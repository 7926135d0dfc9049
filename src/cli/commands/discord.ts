import type { Command as Program } from "commander";
import { applicationId, overwriteCommands } from "../../lib/adapters/discord-api.js";
import { ssmSecret } from "../../lib/adapters/ssm-secret.js";
import { SLASH_COMMAND } from "../../lib/core/discord/slash-commands.js";
import { InvalidInputError } from "../../lib/core/errors.js";
import { type Config, loadConfig } from "../../lib/runtime/config.js";
import { registerProcessSecrets } from "../../lib/runtime/process-secrets.js";
import { JSON_FLAG, out, outJson } from "../shared.js";
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

/** `ampa discord register [--guild <id>]`: the /ampa slash command, put on Discord. */
export function registerDiscord(program: Program): void {
  const discord = program.command("discord").description("Discord as a control surface");
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
