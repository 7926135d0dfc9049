// The task worker: a plain Node main, not a Lambda handler. On AWS it is the ECS Fargate
// container's command (`node task.mjs`); locally `npm start` runs it as a detached process
// (`node bin/task-worker.mjs`: this file from the CLI's bundle). The claim comes in AMPA_CLAIM (JSON, the
// runCommand event's schema). Exit codes (src/lib/app/worker.ts, WORKER_EXIT):
//   0 the command succeeded · 1 it failed, timed out or erred · 2 no valid claim ·
//   3 not run: the lease is not this claim's (recovered, or a redelivery) ·
//   4 the lease was lost mid-run: program killed, nothing recorded ·
//   5 stopped by SIGTERM/SIGINT: program killed, recorded abandoned.
import { createApp } from "../lib/runtime/app.js";
import { agentSetting, workerEnvironment } from "../lib/runtime/process-settings.js";
import { runTaskWorker, workerName } from "../lib/runtime/worker.js";

const env = workerEnvironment();
const app = createApp();
const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const)
  process.once(signal, () => {
    app.log.warn({ signal }, `task worker: ${signal}: stopping the run`);
    stop.abort(new Error(`stopped: its worker got ${signal}`));
  });

const result = await runTaskWorker({
  app,
  claimJson: env.claim,
  worker: await workerName(env.ecsMetadataUri),
  stop: stop.signal,
  agent: agentSetting(),
  liveOutput: env.liveOutputFile
    ? { file: env.liveOutputFile }
    : { stdout: (text) => process.stdout.write(text) },
});
app.dynamo.destroy();
process.exit(result.code);
