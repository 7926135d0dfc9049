import { spawn } from "node:child_process";
import type { Command as Program } from "commander";
import { InvalidInputError } from "../../lib/core/errors.js";
import { asError } from "../../lib/runtime/log.js";
import { shownRunLines } from "../live.js";
import { runOnceWhereDeployed } from "../run-once.js";
import type { Target } from "../target.js";
import type { DashboardActions } from "../dashboard/server.js";
import { dashboardSettings } from "../../lib/runtime/settings.js";
import { terminalSafeJson } from "../format.js";
import { cliServices, idArgument, JSON_FLAG, out, untilStopSignal, withTarget } from "../shared.js";

/** A run-once that has not ended by then is reported as started; it goes on here. */
const RUN_ONCE_NOTICE_MS = 1500;

function portOption(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidInputError(`Invalid port ${value}: an integer from 0 to 65535`);
  return port;
}

/**
 * The actions of the page, over the same store and services as the CLI verbs. Run once
 * takes the CLI's path: on a deployed table the stage's function runs it, never this
 * machine.
 */
function actions(target: Target, running: Set<Promise<unknown>>): DashboardActions {
  const { app } = target;
  return {
    async pause(id) {
      await app.store.setPaused(idArgument(id), true);
      return `Paused ${id}`;
    },
    async resume(id) {
      await app.store.setPaused(idArgument(id), false);
      return `Resumed ${id}`;
    },
    async runOnce(id) {
      const run = runOnceWhereDeployed(target, idArgument(id), {
        owner: `dashboard:${process.pid}`,
        say: (line) => process.stderr.write(`${line}\n`),
      });
      // A deployed run goes on in its function whatever this process does: not waited for.
      if (!target.deployed) {
        running.add(run);
        void run.catch(() => {}).finally(() => running.delete(run));
      }
      const ended = await Promise.race([
        run.then((r) => `Ran ${id} once: ${r.outcome}, exit ${r.exitCode ?? "none"}`),
        new Promise<undefined>((resolve) =>
          setTimeout(() => resolve(undefined), RUN_ONCE_NOTICE_MS),
        ),
      ]);
      return ended ?? `Started ${id} once; its run shows on the timeline when it ends`;
    },
    async redrive() {
      const r = await cliServices(app).notifier.redrive();
      return `Redrive: ${r.delivered} delivered, ${r.failed} failed, ${r.skipped} held by another redrive, of ${r.total}`;
    },
  };
}

/** Opens the URL in the desktop's browser; argv only, and a failure only says so. */
function openBrowser(url: string): void {
  const program = process.platform === "darwin" ? "open" : "xdg-open";
  const child = spawn(program, [url], { stdio: "ignore", detached: true });
  child.on("error", (err) =>
    process.stderr.write(`ampa: could not open a browser (${asError(err).message})\n`),
  );
  child.unref();
}

interface DashboardFlags {
  port: number;
  open?: boolean;
  json?: boolean;
}

/** Serves the page until SIGINT or SIGTERM, then waits for the run-once it started. */
async function serve(target: Target, flags: DashboardFlags): Promise<void> {
  const { app, description } = target;
  const running = new Set<Promise<unknown>>();
  const stopped = untilStopSignal();
  // Loaded here only, so the page's server and renderers stay out of every other start.
  const { storeFingerprint } = await import("../dashboard/events.js");
  const { startDashboard } = await import("../dashboard/server.js");
  const { SnapshotReader } = await import("../dashboard/snapshot.js");
  const reader = new SnapshotReader({ store: app.store, config: dashboardSettings(app.config) });
  const dashboard = await startDashboard({
    port: flags.port,
    read: () => reader.read(),
    watch: () => storeFingerprint(app),
    actions: actions(target, running),
    target: `Reading ${description}`,
    liveLines: (id, signal) => shownRunLines(target, idArgument(id), { follow: true, signal }),
  });
  // A long-running verb: with --json its result is the one line saying where it listens.
  if (flags.json)
    out(terminalSafeJson({ listening: { url: dashboard.url, target: description } }, 0));
  else out(`Dashboard of ${description}:\n  ${dashboard.url}\nCtrl-C stops it.`);
  if (flags.open) openBrowser(dashboard.url);
  await stopped;
  await dashboard.close();
  if (running.size > 0) {
    process.stderr.write(`ampa: waiting for ${running.size} run-once to end\n`);
    await Promise.allSettled(running);
  }
}

/** `ampa dashboard [--port 8080] [--open]`: the schedule, runs and shares in a browser. */
export function registerDashboard(program: Program): void {
  program
    .command("dashboard")
    .description("serve a web page of the commands and their runs on 127.0.0.1")
    .option("--port <port>", "port on 127.0.0.1 (0: any free port)", portOption, 8080)
    .option("--open", "open the page in the default browser")
    .option(JSON_FLAG[0], "print one JSON line with the URL once it listens")
    .action(async (flags: DashboardFlags) => {
      await withTarget(
        program,
        (target) => serve(target, flags),
        // It runs for hours: other verbs use the local store it opened meanwhile.
        { serving: true },
      );
    });
}
