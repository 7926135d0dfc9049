import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { scanForCanary } from "./canary.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = resolve(import.meta.dirname, "../../bin/ampa.mjs");

/** Runs the real `ampa` executable in a child process. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { ...process.env, AMPA_LOAD_DOTENV: "0", AMPA_LOG_LEVEL: "warn", ...env },
        cwd,
        // A bound for a hung CLI on a busy machine, inside the 120 s a test may take.
        timeout: 100_000,
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        scanForCanary(`ampa ${args[0] ?? ""} stdout`, stdout);
        scanForCanary(`ampa ${args[0] ?? ""} stderr`, stderr);
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}
