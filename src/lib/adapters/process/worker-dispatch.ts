import { spawn } from "node:child_process";
import { closeSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Dispatch } from "../../core/ports.js";
import { encodeClaim } from "../../core/claim-payload.js";
import { openPrivateLog, privateDir } from "../private-files.js";
import { processStartTime, writeWorkerRecord } from "./worker-records.js";

/** Where a local task worker runs and what it is told. */
export interface WorkerDispatchOptions {
  /** The project root: the worker's cwd, where `entry` is resolved. */
  root: string;
  /** `.ampa/workers`: a log and a record per run. */
  workersDir: string;
  /** The environment the worker inherits (the dispatcher's own). */
  env: NodeJS.ProcessEnv;
  /** Set on top of it: the store's endpoint and table, so the worker reaches the same store. */
  overrides: Record<string, string>;
  /** Node's arguments for the worker (default: TASK_ENTRY). */
  entry?: string[];
  /** Run the image instead (AMPA_TASK_CONTAINER=1 with docker or podman on PATH). */
  container?: { program: string; image: string };
}

/** src/handlers/task.ts, from the CLI's bundle (bin/cli-bundle.mjs), else through tsx. */
export const TASK_ENTRY = ["bin/task-worker.mjs"];

/**
 * Variables that say "this is a Lambda (emulator)": a worker started from a handler under
 * serverless-offline must not inherit them, or it would configure itself as a function.
 */
const LAMBDA_VARIABLES =
  /^(AWS_LAMBDA_|LAMBDA_|_HANDLER$|_X_AMZN|IS_OFFLINE$|IS_LOCAL$|AWS_EXECUTION_ENV$)/;

/** Host paths and npm start's own settings mean nothing inside a container. */
const HOST_ONLY = new Set([
  "AMPA_COMMAND_CWD",
  "AMPA_SCHEDULER_STORE",
  "AMPA_ESBUILD_DIR",
  "AMPA_LIVE_OUTPUT",
]);

export function workerEnv(
  env: NodeJS.ProcessEnv,
  overrides: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !LAMBDA_VARIABLES.test(name)) out[name] = value;
  return { ...out, ...overrides };
}

/** What a container worker gets: AMPA_* settings and the AWS SDK's, by name only. */
function containerVariables(env: Record<string, string>): string[] {
  return Object.keys(env)
    .filter(
      (n) =>
        (n.startsWith("AMPA_") && !HOST_ONLY.has(n)) ||
        /^AWS_(REGION|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(n),
    )
    .sort();
}

/** Resolves once `child` has started; rejects when it could not be spawned. */
function spawned(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
}

/** `docker run -d`: resolves with the container's id once the runtime has started it. */
async function startContainer(
  program: string,
  args: string[],
  env: Record<string, string>,
  logFd: number,
): Promise<{ id: string; pid: number }> {
  const child = spawn(program, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0) {
    writeSync(logFd, stderr);
    throw new Error(`${program} run exited with ${code}: ${stderr.trim().slice(0, 500)}`);
  }
  const id = stdout.trim().split("\n").pop() ?? "";
  // The worker's own output is the container's (`docker logs`); this says where it went.
  writeSync(logFd, `[ampa] worker started in container ${id} (${program} logs ${id})\n`);
  return { id, pid: child.pid ?? 0 };
}

/** `.ampa/workers/<runId>.out`: a local task run's output while it runs. */
export function liveOutputPath(workersDir: string, runId: string): string {
  return join(workersDir, `${runId}.out`);
}

/**
 * A `task` run's dispatch on one machine: a detached worker process (its own process
 * group and session, output to `.ampa/workers/<runId>.log`, unref'ed) that outlives the
 * tick that started it and serverless-offline, or a detached container of the worker
 * image. Resolves once the worker has started; rejects (the tick fails the claim) when
 * it could not be.
 */
export function workerDispatch(opts: WorkerDispatchOptions): Dispatch {
  return async (command, claim) => {
    privateDir(opts.workersDir);
    const log = join(opts.workersDir, `${claim.runId}.log`);
    const env = workerEnv(opts.env, {
      ...opts.overrides,
      AMPA_CLAIM: encodeClaim(claim),
      // The program's output while it runs (`ampa logs`), beside the worker's own log.
      AMPA_LIVE_OUTPUT: liveOutputPath(opts.workersDir, claim.runId),
    });
    const base = {
      runId: claim.runId,
      commandId: command.id,
      log,
      startedAt: new Date().toISOString(),
    };
    // The log holds the run's output: 0600, and never appended through a planted symlink.
    const fd = openPrivateLog(log);
    try {
      if (opts.container) {
        const { program, image } = opts.container;
        const vars = containerVariables(env).flatMap((n) => ["-e", n]);
        const args = ["run", "-d", "--rm", "--network", "host", "--name", `ampa-${claim.runId}`];
        const started = await startContainer(program, [...args, ...vars, image], env, fd);
        writeWorkerRecord(opts.workersDir, {
          ...base,
          kind: "container",
          pid: started.pid,
          container: { id: started.id, program },
        });
        return;
      }
      const child = spawn(process.execPath, opts.entry ?? TASK_ENTRY, {
        cwd: opts.root,
        env,
        detached: true,
        stdio: ["ignore", fd, fd],
      });
      await spawned(child);
      child.unref();
      const pid = child.pid ?? 0;
      const pidStartTime = processStartTime(pid);
      writeWorkerRecord(opts.workersDir, {
        ...base,
        kind: "process",
        pid,
        ...(pidStartTime ? { pidStartTime } : {}),
      });
    } finally {
      closeSync(fd);
    }
  };
}
