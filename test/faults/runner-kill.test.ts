import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "../../src/lib/core/command.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { tickPass } from "../../src/lib/app/tick.js";
import { spec, T0 } from "../support/commands.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";
import { tickDeps } from "../support/tick.js";
import { alive } from "../support/processes.js";
import { waitFor } from "../support/wait.js";
import { report } from "./report.js";

const CYCLES = 5;

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A real worker process takes the lease and runs the command, as runCommand would. */
function startWorker(t: TestTable) {
  return spawn(
    process.execPath,
    ["--import", "tsx", "test/support/run-worker.ts", server.endpoint, t.tableName, "slow"],
    { stdio: "ignore", env: { ...process.env, AMPA_LOG_LEVEL: "silent" } },
  );
}

describe("runner killed mid-run", () => {
  it("SIGKILL of the worker: the command dies with it, runs again after lease expiry, and the abandoned run is on record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ampa-kill-"));
    const pidFile = join(dir, "command.pid");
    const quick = join(dir, "quick");
    // Slow (30 s) unless the `quick` file exists; writes its pid once it runs.
    const script = `[ -e ${quick} ] && exit 0; echo $$ > ${pidFile}; sleep 30`;
    // No global minimum: the cycles follow each other within seconds, and only the lease
    // may hold a start back here.
    const t = await createTestTable(server.endpoint, {
      AMPA_LEASE_TTL_SECONDS: "60",
      AMPA_LEASE_RENEW_SECONDS: "20",
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
    });
    await t.store.addCommand(spec("slow", { command: script, maxRuntimeMinutes: 1 }), T0);

    const figures = {
      kills: 0,
      commandsOutlivingWorker: 0,
      startsBeforeExpiry: 0,
      abandoned: 0,
      reruns: 0,
    };
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      rmSync(pidFile, { force: true });
      rmSync(quick, { force: true });
      const worker = startWorker(t);
      await waitFor("the lease", async () => (await t.store.getCommand("slow"))?.leaseRunId);
      const pid = await waitFor("the command", () =>
        existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined,
      );
      // Read once the command runs: the worker's start record moves the expiry on from the
      // claim's, so a lease read before it would end too early.
      const leased = (await t.store.getCommand("slow")) as Command;
      worker.kill("SIGKILL");
      await new Promise((r) => worker.once("exit", r));
      figures.kills++;
      // The command's process group must not outlive the runner that would record it.
      const gone = await waitFor("the command to end", () => (alive(pid) ? undefined : true)).catch(
        () => false,
      );
      if (!gone) {
        figures.commandsOutlivingWorker++;
        process.kill(-pid, "SIGKILL");
      }

      const expiry = leased.leaseExpiresAt ?? 0;
      const early = tickDeps(t.store, t.config, { now: expiry - 1 });
      await tickPass(early, expiry - 1);
      figures.startsBeforeExpiry += early.starts.length;

      writeFileSync(quick, "");
      const late = tickDeps(t.store, t.config, { now: expiry + 1 });
      const result = await tickPass(late, expiry + 1);
      if (result.kind === "started") figures.reruns++;
      const runs = await t.store.listRuns("slow");
      if (runs.find((r) => r.runId === leased.leaseRunId)?.outcome === "abandoned")
        figures.abandoned++;
      const rerun = runs.find((r) => r.runId === late.starts[0]?.runId);
      expect(rerun?.outcome, `cycle ${cycle}`).toBe("success");
      const after = (await t.store.getCommand("slow")) as Command;
      expect(after.leaseRunId).toBeUndefined();
    }
    report("runner SIGKILLed mid-run", { cycles: CYCLES, ...figures });
    expect(figures).toEqual({
      kills: CYCLES,
      commandsOutlivingWorker: 0,
      startsBeforeExpiry: 0,
      abandoned: CYCLES,
      reruns: CYCLES,
    });
    expect(await t.store.listRuns("slow")).toHaveLength(2 * CYCLES);
  });
});
