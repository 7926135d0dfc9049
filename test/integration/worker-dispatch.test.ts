import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { tickPass } from "../../src/lib/app/tick.js";
import type { Command, RunClaim } from "../../src/lib/core/command.js";
import { liveWorkers } from "../../src/lib/adapters/process/worker-records.js";
import { createApp } from "../../src/lib/runtime/app.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { localTaskDispatch, runDispatch, workersDir } from "../../src/lib/runtime/services.js";
import { services } from "../../src/lib/runtime/services.js";
import { command, must, spec } from "../support/commands.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { tickDeps } from "../support/tick.js";

let server: EmbeddedStore;
const ecs = mockClient(ECSClient);
const ssm = mockClient(SSMClient);
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A `docker` on PATH that records its argv and the claim it was given, then answers `exit`. */
function fakeDocker(exit = 0): { path: string; calls: string } {
  const dir = mkdtempSync(join(tmpdir(), "ampa-docker-"));
  const calls = join(dir, "calls.jsonl");
  const script = `#!/usr/bin/env node
const fs = require("node:fs");
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ argv: process.argv.slice(2), claim: process.env.AMPA_CLAIM, endpoint: process.env.AMPA_DYNAMODB_ENDPOINT }) + "\\n");
if (${exit} !== 0) { process.stderr.write("Unable to find image 'nope:1' locally\\n"); process.exit(${exit}); }
process.stdout.write("c0ffee1234\\n");
`;
  writeFileSync(join(dir, "docker"), script);
  chmodSync(join(dir, "docker"), 0o755);
  return { path: `${dir}:${process.env.PATH ?? ""}`, calls };
}

function appFor(endpoint: string, env: Record<string, string>) {
  const store = mkdtempSync(join(tmpdir(), "ampa-store-"));
  const { config } = parseConfig({
    AMPA_SCHEDULER_STORE: join(store, "data"),
    AMPA_DISPATCH: "lambda",
    AMPA_DISCORD_WEBHOOK: "https://discord.example/api/webhooks/1/secret-token",
    ...env,
  });
  return createApp({ config, endpoint });
}

const claim = (commandId: string): RunClaim => ({
  commandId,
  runId: "run-1",
  startedAt: 1,
  leaseExpiresAt: 2,
  trigger: "schedule",
});

describe("local task dispatch", () => {
  it("with AMPA_TASK_CONTAINER=1 and docker on PATH, runs the image detached on the host network with the claim in its environment, never on its command line", async () => {
    const docker = fakeDocker();
    const app = appFor(server.endpoint, {
      AMPA_TASK_CONTAINER: "1",
      AMPA_TASK_IMAGE: "registry.local/ampa-worker:7",
    });
    const env = {
      PATH: docker.path,
      AMPA_DISCORD_WEBHOOK: "https://discord.example/api/webhooks/1/secret-token",
    };
    const task = command("agent", { type: "delegation", command: "delegation" });
    await localTaskDispatch(app, env)(task, claim("agent"));
    const [call] = readFileSync(docker.calls, "utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            argv: string[];
            claim: string;
            endpoint: string;
          },
      );
    const argv = must(call).argv;
    expect(argv.slice(0, 7)).toEqual([
      "run",
      "-d",
      "--rm",
      "--network",
      "host",
      "--name",
      "ampa-run-1",
    ]);
    expect(argv.at(-1)).toBe("registry.local/ampa-worker:7");
    for (const name of [
      "AMPA_CLAIM",
      "AMPA_DYNAMODB_ENDPOINT",
      "AMPA_TABLE_NAME",
      "AMPA_DISCORD_WEBHOOK",
    ])
      expect(argv[argv.indexOf(name) - 1]).toBe("-e");
    expect(argv).not.toContain("AMPA_COMMAND_CWD");
    expect(argv.join(" ")).not.toContain("secret-token");
    expect(JSON.parse(must(call).claim)).toEqual(claim("agent"));
    expect(must(call).endpoint).toBe(server.endpoint);
    const [record] = liveWorkers(workersDir(app.config.storeDir));
    expect(record).toMatchObject({
      runId: "run-1",
      commandId: "agent",
      kind: "container",
      container: { id: "c0ffee1234" },
    });
    app.dynamo.destroy();
  });

  it("a container that cannot start fails the claim with the runtime's error in the run record", async () => {
    const docker = fakeDocker(125);
    const t = await createTestTable(server.endpoint, {
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "0",
    });
    await t.store.addCommand(spec("agent", { runtime: "task", command: "sleep 1" }), Date.now());
    const app = appFor(server.endpoint, {
      AMPA_TASK_CONTAINER: "1",
      AMPA_TASK_IMAGE: "nope:1",
      AMPA_TABLE_NAME: t.tableName,
    });
    const deps = tickDeps(t.store, t.config, {
      dispatch: localTaskDispatch(app, { PATH: docker.path }),
    });
    const result = await tickPass(deps, Date.now());
    expect(result).toMatchObject({ kind: "dispatch-failed", commandId: "agent" });
    const [run] = await t.store.listRuns("agent");
    expect(run?.outcome).toBe("error");
    expect(run?.output).toContain("Unable to find image 'nope:1' locally");
    expect(must(await t.store.getCommand("agent")).leaseRunId).toBeUndefined();
    app.dynamo.destroy();
  });

  it("routes by runtime: function runs to runCommand, task runs to a local worker, or on AWS to ECS RunTask", async () => {
    const docker = fakeDocker();
    const app = appFor(server.endpoint, { AMPA_TASK_CONTAINER: "1" });
    const sent: string[] = [];
    const functionDispatch = async (c: Command) => {
      sent.push(c.id);
    };
    const previousPath = process.env.PATH;
    process.env.PATH = docker.path;
    try {
      const { runDeps } = services(app);
      const dispatch = runDispatch(app, runDeps, () => functionDispatch);
      await dispatch(command("sh"), claim("sh"));
      await dispatch(
        command("audit", { type: "triage-audit", command: "triage-audit" }),
        claim("audit"),
      );
      await dispatch(command("long", { runtime: "task" }), claim("long"));
      expect(sent).toEqual(["sh"]);
      expect(readFileSync(docker.calls, "utf8").trim().split("\n")).toHaveLength(2);

      // On AWS a task run is an ECS RunTask. No local ECS or SSM exists: both clients are
      // answered by aws-sdk-client-mock here (the request itself: ecs-dispatch.test.ts).
      ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: "arn:aws:ecs:task/1" }], failures: [] });
      ssm.on(GetParameterCommand).resolves({
        Parameter: { Value: JSON.stringify({ subnets: ["subnet-1"], securityGroups: ["sg-1"] }) },
      });
      const onAws = { ...app, config: { ...app.config, onLambda: true } };
      const aws = runDispatch(onAws, runDeps, () => functionDispatch);
      await aws(command("long", { runtime: "task" }), claim("long"));
      const started = ecs.commandCalls(RunTaskCommand);
      expect(started).toHaveLength(1);
      expect(started[0]?.args[0].input.clientToken).toBe(claim("long").runId);
      await aws(command("sh2"), claim("sh2"));
      expect(sent).toEqual(["sh", "sh2"]);
    } finally {
      process.env.PATH = previousPath;
      app.dynamo.destroy();
      ecs.reset();
      ssm.reset();
    }
  });
});
