import { Argument, type Command as Program } from "commander";
import { COMPLETION_SHELLS, type CompletionShell, completionScript } from "../completion.js";
import { JSON_FLAG } from "../shared.js";

/** `ampa completion bash|zsh`: a completion script made from the CLI's own definition. */
export function registerCompletion(program: Program): void {
  program
    .command("completion")
    .description("print a shell completion script, e.g. source <(ampa completion bash)")
    .addArgument(new Argument("<shell>", "the shell to complete for").choices(COMPLETION_SHELLS))
    .option(...JSON_FLAG)
    .action((shell: CompletionShell, flags: { json?: boolean }) => {
      const script = completionScript(program, shell);
      process.stdout.write(flags.json ? `${JSON.stringify({ shell, script }, null, 2)}\n` : script);
    });
}
