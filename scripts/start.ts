// `npm start`: the whole AMPA stack on one machine. An embedded DynamoDB-compatible store
// (dynalite, on disk under AMPA_SCHEDULER_STORE), the table and example commands, and
// serverless-offline running the same functions and schedule as AWS.
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { isatty } from "node:tty";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { createApp } from "../src/lib/runtime/app.js";
import { findProjectRoot, loadConfig, readEnvironment } from "../src/lib/runtime/config.js";
import { AmpaError } from "../src/lib/core/errors.js";
import { startEmbeddedStore } from "../src/lib/local/embedded-store.js";
import { seedExamplesIfEmpty } from "../src/lib/local/examples.js";
import { LOCAL_USER_ID, localDiscordEnv, localIdentity } from "../src/lib/local/discord-local.js";
import { startInbox } from "../src/lib/local/inbox.js";
import { acquireLock } from "../src/lib/local/lock.js";
import { descendantProcessGroups, killGroups } from "../src/lib/local/processes.js";
import { stopWorkers } from "../src/lib/local/workers.js";
import { createLogger } from "../src/lib/runtime/log.js";
import { localIdentityPath } from "../src/lib/runtime/local-stack.js";
import { registerProcessSecrets } from "../src/lib/runtime/process-secrets.js";
import { localStackSettings } from "../src/lib/runtime/process-settings.js";
import { workersDir } from "../src/lib/runtime/services.js";
import { ensureTable } from "../src/lib/adapters/dynamodb/table.js";
import { pruneWorkerFiles } from "../src/lib/adapters/process/worker-records.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const root = findProjectRoot(process.cwd());
const log = createLogger(process.env.AMPA_LOG_LEVEL ?? "info", "stdout", "auto");
const env = readEnvironment(process.env, root);
const config = loadConfig((message) => log.warn(message), env, root);
registerProcessSecrets(config, env);
const stage = config.stage;
const tableName = `ampa-${stage}-state`;
const { lambdaPort, esbuildDir } = localStackSettings(env);
const storeDir = resolve(root, config.storeDir);
// Local task workers' logs and records (src/lib/adapters/process/worker-dispatch.ts).
const workers = workersDir(storeDir);
// A stopped worker kills its program (2 s grace) and records its run before it exits.
const WORKER_STOP_GRACE_MS = 15_000;
// The handlers write to this terminal through serverless-offline: readable lines there,
// unless AMPA_LOG_FORMAT says otherwise; JSON when this output is piped.
const handlerLogFormat =
  config.logFormat === "auto" ? (isatty(1) ? "pretty" : "json") : config.logFormat;

function say(message: string): void {
  process.stdout.write(`[ampa] ${message}\n`);
}

let lock: ReturnType<typeof acquireLock>;
try {
  lock = acquireLock(storeDir, "npm-start");
} catch (err) {
  if (err instanceof AmpaError) {
    process.stderr.write(`[ampa] ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

const store = await startEmbeddedStore({ dir: storeDir });
// No webhook configured: a loopback Discord-compatible inbox takes the messages. Unless an
// application of your own is configured (a channel, a public key), a local one posts them
// (its key pair made at first start, beside the store under .ampa/), and the inbox's page
// clicks their buttons through the local Interactions Endpoint.
const identity =
  config.discordWebhook || config.discordChannelId || config.discordPublicKey
    ? undefined
    : localIdentity(localIdentityPath(storeDir));
const inbox = config.discordWebhook
  ? undefined
  : await startInbox({
      port: config.inboxPort,
      ...(identity && {
        botToken: identity.botToken,
        clicks: {
          interactionsUrl: `http://127.0.0.1:${config.metricsPort}/discord/interactions`,
          privateKey: identity.privateKey,
        },
      }),
    }).catch((err: Error) => {
      process.stderr.write(
        `[ampa] could not start the local Discord inbox on port ${config.inboxPort}: ${err.message}\n`,
      );
      return undefined;
    });
lock.publish(store.endpoint, inbox?.url, store.key);
const app = createApp({
  config: { ...config, tableName },
  endpoint: store.endpoint,
  storeKey: store.key,
});
if ((await ensureTable(app.dynamo, tableName)) === "created")
  say(`created table ${tableName} in ${storeDir}`);
const seeded = await seedExamplesIfEmpty(app.store, Date.now(), config.heartbeatMinutes);
if (seeded.length > 0) say(`store was empty: added example commands ${seeded.join(", ")}`);
say(`store: ${storeDir} served at ${store.endpoint} (the ampa CLI talks to it while this runs)`);
// Finished task runs' logs and live output are kept a week (their records keep the output).
const pruned = pruneWorkerFiles(workers, Date.now());
if (pruned > 0) say(`removed ${pruned} task-run log file(s) over a week old from ${workers}`);
if (inbox) {
  say(
    `no Discord webhook configured (AMPA_DISCORD_WEBHOOK): messages go to a LOCAL INBOX at ${inbox.url}`,
  );
  say(
    "every message it receives is printed below; put a real webhook in .env to post to Discord instead",
  );
  say(
    identity
      ? `the inbox's page shows the posts with their buttons: ${inbox.pageUrl} (clicks are signed as Discord's, from the local user ${LOCAL_USER_ID})`
      : `the inbox's page: ${inbox.pageUrl} (no buttons: AMPA_DISCORD_PUBLIC_KEY names an application of your own)`,
  );
} else if (config.discordWebhook) {
  say("Discord: posting to the webhook from AMPA_DISCORD_WEBHOOK");
}

// serverless-offline builds into .esbuild; stale output of another build would be picked up.
// Its own build folder, so `osls package` or `osls invoke local` never rebuild under it.
rmSync(resolve(root, esbuildDir), { recursive: true, force: true });
/** serverless-offline with the stack's environment; started again if it dies (below). */
function startOffline(): ChildProcess {
  return spawn(
    process.execPath,
    // --localEnvironment: handlers (worker threads) otherwise see only AWS_* and the
    // configured variables, without PATH or HOME for the commands they run.
    [
      resolve(root, "node_modules/osls/bin/serverless.js"),
      "offline",
      "start",
      "--stage",
      stage,
      "--localEnvironment",
    ],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...env,
        AMPA_LOAD_DOTENV: "0",
        AMPA_DYNAMODB_ENDPOINT: store.endpoint,
        // The handlers sign with it; the programs they run never get it (workers' env).
        ...(store.key ? { AMPA_DYNAMODB_KEY: store.key } : {}),
        AMPA_LAMBDA_ENDPOINT: `http://127.0.0.1:${lambdaPort}`,
        AMPA_LAMBDA_PORT: String(lambdaPort),
        AMPA_ESBUILD_DIR: esbuildDir,
        AMPA_METRICS_PORT: String(config.metricsPort),
        AMPA_DISPATCH: "lambda",
        AMPA_LOG_FORMAT: handlerLogFormat,
        AMPA_COMMAND_CWD: config.commandCwd,
        ...(inbox ? { AMPA_DISCORD_WEBHOOK: inbox.url } : {}),
        ...(inbox && identity ? localDiscordEnv(identity, { apiUrl: inbox.apiUrl, env }) : {}),
        // The SDK clients of the handlers need some credentials to sign local requests.
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        AWS_REGION: config.region,
      },
    },
  );
}
let offline = startOffline();

// serverless-offline and the commands it runs sit in process groups of their own: if this
// process dies without stopping them (kill -9, an OOM kill), they would keep the ports and
// run on against a store that is gone. The guard, in a group of its own, stops them when
// its pipe from this process closes; a normal stop ends it first.
const guard =
  offline.pid === undefined
    ? undefined
    : spawn(
        process.execPath,
        [
          ...process.execArgv,
          resolve(root, "scripts/stack-guard.ts"),
          String(offline.pid),
          workers,
        ],
        { cwd: root, detached: true, stdio: ["pipe", "ignore", "inherit"] },
      );
guard?.unref();

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping");
    guard?.kill("SIGTERM");
    // Task workers first, while the store is up: each records its run abandoned and frees
    // the lease, so the next start finds no lease dangling.
    const stopped = await stopWorkers(workers, WORKER_STOP_GRACE_MS);
    if (stopped.length > 0)
      say(
        `stopped ${stopped.length} task worker(s): ${stopped.map((w) => w.commandId).join(", ")} (recorded abandoned)`,
      );
    if (offline.pid !== undefined && offline.exitCode === null) {
      // Commands still running under runCommand sit in process groups of their own.
      const commandGroups = descendantProcessGroups(offline.pid);
      killGroups(commandGroups, "SIGTERM");
      try {
        process.kill(-offline.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      const killer = setTimeout(() => {
        killGroups(offline.pid === undefined ? [] : [offline.pid, ...commandGroups], "SIGKILL");
      }, 5_000);
      await new Promise((r) => (offline.exitCode === null ? offline.once("exit", r) : r(null)));
      clearTimeout(killer);
      killGroups(commandGroups, "SIGKILL");
    }
    app.dynamo.destroy();
    await inbox?.close();
    await store.close();
    lock.release();
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
// A closed terminal: stop as for Ctrl-C rather than die and leave the guard to kill.
process.on("SIGHUP", () => void stop(0));
// serverless-offline dying alone (a crash, a kill) does not stop the stack: the store, the
// inbox and the task workers live on in and beside this process, and a new serverless-offline
// takes over the schedule. Five deaths within ten minutes stop everything.
const offlineDeaths: number[] = [];
function watchOffline(child: ChildProcess): void {
  child.on("exit", (code, signal) => {
    if (stopping || child !== offline) return;
    const now = Date.now();
    offlineDeaths.push(now);
    while ((offlineDeaths[0] ?? now) < now - 10 * 60_000) offlineDeaths.shift();
    if (offlineDeaths.length >= 5) {
      process.stderr.write(
        `[ampa] serverless-offline exited (${code ?? signal}) ${offlineDeaths.length} times in ten minutes; shutting down\n`,
      );
      void stop(code ?? 1);
      return;
    }
    process.stderr.write(
      `[ampa] serverless-offline exited (${code ?? signal}); starting it again (task workers keep running)\n`,
    );
    // Whatever is left of its process group goes (its runs' programs die with it anyway).
    if (child.pid !== undefined) killGroups([child.pid], "SIGKILL");
    offline = startOffline();
    if (offline.pid !== undefined) guard?.stdin?.write(`offline ${offline.pid}\n`);
    watchOffline(offline);
  });
}
watchOffline(offline);

/** Waits until serverless-offline answers /health, then fires the first tick at once. */
async function firstTick(): Promise<void> {
  const health = `http://127.0.0.1:${config.metricsPort}/health`;
  for (let i = 0; i < 240 && !stopping; i++) {
    try {
      const res = await fetch(health);
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (stopping) return;
  say(`health: ${health}  metrics: http://127.0.0.1:${config.metricsPort}/metrics`);
  if (!config.runScheduler) {
    say("AMPA_RUN_SCHEDULER is off: the schedule will not fire");
    return;
  }
  // serverless-offline ticks on the minute. The first tick runs as the tick of the
  // minute it falls in (its logical time is the minute's start), so it never takes the
  // next on-grid tick's slot; in the second half of a minute (with the 60 s global
  // minimum) it is left to the schedule, due within 30 s, so the minimum is never
  // shortened by more than 30 s.
  const minute = 60_000;
  const offset = Date.now() % minute;
  if (config.globalMinIntervalMs >= minute && offset >= minute / 2) {
    say("scheduler: tick every minute; the first tick comes with the next minute");
    return;
  }
  say("scheduler: tick every minute; running the first tick now");
  const lambda = new LambdaClient({
    region: config.region,
    endpoint: `http://127.0.0.1:${lambdaPort}`,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  // Synchronous: serverless-offline 14 crashes when an Event invocation throws.
  await lambda.send(
    new InvokeCommand({
      FunctionName: `ampa-${stage}-tick`,
      InvocationType: "RequestResponse",
      Payload: new TextEncoder().encode(
        JSON.stringify({
          source: "ampa.npm-start",
          time: new Date(Date.now() - offset).toISOString(),
        }),
      ),
    }),
  );
  lambda.destroy();
}
firstTick().catch((err) =>
  process.stderr.write(`[ampa] first tick failed: ${(err as Error).message}\n`),
);
