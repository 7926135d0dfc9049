import { reportError } from "../../src/cli/main.js";
import { runOnceExitCode, runOnceText, unrecordedText } from "../../src/cli/commands/run-once.js";
import { runOnceWhereDeployed } from "../../src/cli/run-once.js";
import { idArgument } from "../../src/cli/shared.js";
import { openTarget } from "../../src/cli/target.js";
import type { RunRecord } from "../../src/lib/core/command.js";
import { redactSecrets } from "../../src/lib/core/secrets.js";
import { scanForCanary } from "./canary.js";
import type { CliResult } from "./cli.js";

/**
 * `ampa run-once <id>` in the test's own process, for files whose subject is the workflow
 * the command runs (triage and review audits, delegation, the PR monitor, …), not the CLI.
 *
 * Why: each spawned `ampa` is a new Node process costing 0.35–0.9 CPU-seconds, and these
 * files spawned hundreds of them on a 2-core machine. The CLI's own behaviour (argument
 * parsing, its process, its exit) is covered by test/integration/cli*.test.ts and by the
 * cases each such file keeps on the real executable (runCli in test/support/cli.ts).
 *
 * What runs is what the CLI runs on a store that is not deployed: its target
 * (src/cli/target.ts openTarget, from the environment), runOnceWhereDeployed (→ runOnce
 * with cliServices' run deps), and the CLI's own printing and error → exit code mapping
 * (src/cli/commands/run-once.ts, src/cli/main.ts reportError). The difference is where the
 * environment lives: the CLI and every program it starts read process.env (the doubles'
 * PATH and AMPA_DOUBLES_DIR, TMPDIR, AMPA_SUMMARIZE_WITH_AGENT, …), so `env` is laid over
 * process.env for the call, as runCli lays it over the child's, and put back after. Calls
 * must therefore never overlap: not from `describe.concurrent` or `it.concurrent` files
 * (an overlapping call throws). Logs go where the tests' in-process logs go (scanned for
 * the canary, see secret-scan.ts), at the tests' level, not the CLI's `warn`.
 */

export interface RunOnceResult extends CliResult {
  /** The run as recorded; undefined when run-once failed (then `code` and `stderr` say why). */
  run: RunRecord | undefined;
}

let inCall = false;

/** Lays `env` over process.env; returns the function that puts every name back. */
function overlayEnv(env: Record<string, string>): () => void {
  const saved = Object.entries(env).map(([name]) => [name, process.env[name]] as const);
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Runs `ampa run-once <id>` in this process with `env` (what a test passes to runCli: the
 * store's endpoint, key and table, the webhook, the doubles' env, other settings).
 * stdout, stderr and code are what the CLI would print and exit with.
 */
export async function runOnceInProcess(
  id: string,
  env: Record<string, string>,
): Promise<RunOnceResult> {
  if (inCall)
    throw new Error(
      "runOnceInProcess: calls overlap (a concurrent test?); it sets process.env for each call",
    );
  // Without an endpoint the CLI would open (and lock) the local store directory.
  if (!env.AMPA_DYNAMODB_ENDPOINT)
    throw new Error("runOnceInProcess: env needs the test store's AMPA_DYNAMODB_ENDPOINT");
  inCall = true;
  const restore = overlayEnv({ AMPA_LOAD_DOTENV: "0", ...env });
  let stdout: string;
  let stderr = "";
  let code: number;
  let run: RunRecord | undefined;
  try {
    const target = await openTarget({});
    try {
      run = await runOnceWhereDeployed(target, idArgument(id), {
        owner: `cli:${process.pid}`,
        say: (line) => {
          stderr += `${line}\n`;
        },
      });
    } finally {
      await target.close();
    }
    stdout = redactSecrets(runOnceText(id, run));
    code = runOnceExitCode(run);
  } catch (err) {
    stdout = redactSecrets(unrecordedText(err));
    code = reportError(err, false, (text) => {
      stderr += text;
    });
  } finally {
    restore();
    inCall = false;
  }
  scanForCanary("in-process run-once stdout", stdout);
  scanForCanary("in-process run-once stderr", stderr);
  return { code, stdout, stderr, run };
}
