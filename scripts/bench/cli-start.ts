import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createDynamoClient } from "../../src/lib/adapters/dynamodb/client.js";
import { ensureTable } from "../../src/lib/adapters/dynamodb/table.js";
import { startEmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { fmt, log, median } from "./format.js";

/** CLI start: what one `ampa` command costs from spawn to exit (CPU and wall). */

const root = resolve(import.meta.dirname, "../..");
/** AMPA_BENCH_CLI: another checkout's bin/ampa.mjs, to compare its start with this one's. */
const AMPA = process.env.AMPA_BENCH_CLI ?? join(root, "bin/ampa.mjs");
const RUNS = 15;
const COMMANDS = 5;
/** Linux reports CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const TICK_MS = 10;

export interface CliStart {
  label: string;
  cpuMs: number;
  wallMs: number;
  /** Each run's CPU time (user + sys), ms. */
  cpuRuns: number[];
}

/**
 * The CPU time (user + sys, ms) of this process's children that have exited, from
 * /proc/self/stat (cutime, cstime); undefined where there is no /proc.
 */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // The fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/**
 * Runs `ampa args` once: its CPU (NaN without /proc) and wall time. Not spawnSync: the
 * store the CLI talks to runs in this process's event loop.
 */
async function ampaOnce(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu0 = childrenCpuMs();
  const t = performance.now();
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [AMPA, ...args], { env }, (err, _out, stderr) =>
      err ? reject(new Error(`ampa ${args.join(" ")} failed: ${stderr}`)) : resolve(),
    ),
  );
  const wallMs = performance.now() - t;
  const cpu1 = childrenCpuMs();
  return { cpuMs: cpu0 === undefined || cpu1 === undefined ? NaN : cpu1 - cpu0, wallMs };
}

async function measure(label: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliStart> {
  const runs: { cpuMs: number; wallMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await ampaOnce(args, env));
  const cpuRuns = runs.map((r) => r.cpuMs);
  log(`cli: ${label}: median ${fmt(median(cpuRuns), 0)} ms CPU`);
  return { label, cpuMs: median(cpuRuns), wallMs: median(runs.map((r) => r.wallMs)), cpuRuns };
}

/**
 * Times `ampa --help` and `ampa list --json` (five commands) against dynalite on loopback,
 * the way the tests and a script run the CLI. The first command builds the CLI's bundle
 * when the sources changed; that build is not measured.
 */
export async function cliStart(): Promise<CliStart[]> {
  const server = await startEmbeddedStore();
  try {
    const tableName = `ampa-bench-cli-${process.pid}`;
    await ensureTable(
      createDynamoClient({ region: "us-east-1", endpoint: server.endpoint, key: server.key }),
      tableName,
    );
    const env = {
      ...process.env,
      AMPA_DYNAMODB_ENDPOINT: server.endpoint,
      AMPA_DYNAMODB_KEY: server.key ?? "",
      AMPA_TABLE_NAME: tableName,
    };
    for (let i = 0; i < COMMANDS; i++)
      await ampaOnce(["add", `bench-${i}`, "true", "10", "0"], env);
    return [
      await measure("`ampa --help`", ["--help"], env),
      await measure("`ampa list --json`", ["list", "--json"], env),
    ];
  } finally {
    await server.close();
  }
}

export function cliStartSection(results: CliStart[]): string {
  return [
    "## CLI start",
    "",
    `What one \`ampa\` command costs from spawn to exit: ${RUNS} runs each of \`node bin/ampa.mjs\`, one after another, after one run that builds the CLI's bundle (\`.ampa/cli/\`, see [cli.md](cli.md)). \`list --json\` reads ${COMMANDS} commands from dynalite on loopback (\`AMPA_DYNAMODB_ENDPOINT\`, as the tests run the CLI); the server runs in the benchmark's process, so its work is not in the CPU figure. CPU is user + sys of the child process (Linux /proc, 10 ms ticks), Node's own start included.`,
    "",
    "| command | CPU (median) | wall (median) | CPU (min–max) |",
    "|---|--:|--:|--:|",
    ...results.map(
      (r) =>
        `| ${r.label} | ${fmt(r.cpuMs, 0)} ms | ${fmt(r.wallMs, 0)} ms | ${fmt(Math.min(...r.cpuRuns), 0)}–${fmt(Math.max(...r.cpuRuns), 0)} ms |`,
    ),
    "",
  ].join("\n");
}
