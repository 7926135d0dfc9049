// No local ECS (or SSM) exists, so RunTask and GetParameter are answered by
// aws-sdk-client-mock here; everything else (the tick, the store on dynalite) is real.
import {
  AccessDeniedException,
  ECSClient,
  InvalidParameterException,
  RunTaskCommand,
} from "@aws-sdk/client-ecs";
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ecsDispatch, startedBy } from "../../src/lib/adapters/ecs-dispatch.js";
import type { RunClaim } from "../../src/lib/core/command.js";
import { tickPass } from "../../src/lib/app/tick.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { command, MINUTE, must, spec, T0 } from "../support/commands.js";
import { capturingLogger, testLogger } from "../support/logger.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { tickDeps } from "../support/tick.js";

const ecs = mockClient(ECSClient);
const ssm = mockClient(SSMClient);
const { config } = parseConfig({ AMPA_STAGE: "ci", AWS_REGION: "eu-west-1" });
const NETWORK = { subnets: ["subnet-0a1b2c", "subnet-0d4e5f"], securityGroups: ["sg-0123abcd"] };
const TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/ampa-ci/0f1e2d3c4b5a";

const claim: RunClaim = {
  commandId: "audit.nightly",
  runId: "0b6f6c1e-4d0a-4a47-9a55-6c1d2b3a4f50",
  startedAt: T0,
  leaseExpiresAt: T0 + 3 * MINUTE,
  trigger: "schedule",
};

function answerNetwork(value: unknown = NETWORK) {
  ssm
    .on(GetParameterCommand, { Name: "/ampa/ci/task-network" })
    .resolves({ Parameter: { Value: typeof value === "string" ? value : JSON.stringify(value) } });
}

function dispatcher(log = testLogger) {
  // Clients made here, as the adapter would: the mocks patch every instance.
  return ecsDispatch(config, { log, ecs: new ECSClient({}), ssm: new SSMClient({}) });
}

afterEach(() => {
  ecs.reset();
  ssm.reset();
});

describe("ECS RunTask dispatch", () => {
  it("starts one Fargate task of the worker family with the claim in its environment, and logs its ARN", async () => {
    answerNetwork();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }], failures: [] });
    const { log, lines } = capturingLogger();
    await dispatcher(log)(command(claim.commandId), claim);

    const calls = ecs.commandCalls(RunTaskCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      cluster: "ampa-ci",
      taskDefinition: "ampa-ci-worker",
      launchType: "FARGATE",
      count: 1,
      clientToken: claim.runId,
      startedBy: "ampa/audit_nightly",
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: NETWORK.subnets,
          securityGroups: NETWORK.securityGroups,
          assignPublicIp: "ENABLED",
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: "worker",
            environment: [{ name: "AMPA_CLAIM", value: JSON.stringify(claim) }],
          },
        ],
      },
    });
    expect(lines()).toContainEqual(
      expect.objectContaining({ taskArn: TASK_ARN, commandId: claim.commandId }),
    );
  });

  it("sends a retried dispatch of one claim with the same token and request, so ECS starts no second task", async () => {
    answerNetwork();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
    const dispatch = dispatcher();
    await dispatch(command(claim.commandId), claim);
    await dispatch(command(claim.commandId), { ...claim });
    const [first, second] = ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(first?.clientToken).toBe(claim.runId);
    expect(second).toEqual(first);
    // Another claim of the same command is another run: another token.
    await dispatch(command(claim.commandId), { ...claim, runId: "another-run" });
    expect(ecs.commandCalls(RunTaskCommand)[2]?.args[0].input.clientToken).toBe("another-run");
  });

  it("reads the network parameter once per container, and again after a failed read", async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new Error("throttled"))
      .resolves({
        Parameter: { Value: JSON.stringify(NETWORK) },
      });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
    const dispatch = dispatcher();
    await expect(dispatch(command("a"), claim)).rejects.toThrow(
      "task network parameter /ampa/ci/task-network could not be read: Error: throttled",
    );
    for (const runId of ["r1", "r2", "r3"]) await dispatch(command("a"), { ...claim, runId });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(3);
  });

  it("rejects with ECS's reasons when RunTask answers failures or no task", async () => {
    answerNetwork();
    ecs
      .on(RunTaskCommand)
      .resolvesOnce({
        tasks: [],
        failures: [{ reason: "RESOURCE:MEMORY", arn: "arn:aws:ecs:eu-west-1:1:container/x" }],
      })
      .resolvesOnce({ tasks: [] });
    const dispatch = dispatcher();
    await expect(dispatch(command("a"), claim)).rejects.toThrow(
      "RunTask started no task: RESOURCE:MEMORY arn:aws:ecs:eu-west-1:1:container/x",
    );
    await expect(dispatch(command("a"), claim)).rejects.toThrow(
      "RunTask started no task and gave no reason",
    );
  });

  it("rejects with the AWS error's name and message when RunTask throws", async () => {
    answerNetwork();
    ecs
      .on(RunTaskCommand)
      .rejectsOnce(
        new AccessDeniedException({
          message: "not authorized to perform ecs:RunTask",
          $metadata: {},
        }),
      )
      .rejectsOnce(
        new InvalidParameterException({
          message: "No Fargate configuration exists",
          $metadata: {},
        }),
      );
    const dispatch = dispatcher();
    await expect(dispatch(command("a"), claim)).rejects.toThrow(
      "RunTask failed: AccessDeniedException: not authorized to perform ecs:RunTask",
    );
    await expect(dispatch(command("a"), claim)).rejects.toThrow(
      "RunTask failed: InvalidParameterException: No Fargate configuration exists",
    );
  });

  it("refuses a missing or malformed network parameter with its name, starting nothing", async () => {
    const dispatch = () => dispatcher()(command("a"), claim);
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "", $metadata: {} }));
    await expect(dispatch()).rejects.toThrow(
      "task network parameter /ampa/ci/task-network could not be read: ParameterNotFound",
    );
    ssm.reset();
    answerNetwork("subnet-1,subnet-2");
    await expect(dispatch()).rejects.toThrow(
      "task network parameter /ampa/ci/task-network is not JSON",
    );
    ssm.reset();
    answerNetwork({ subnets: [], securityGroups: ["sg-1"] });
    await expect(dispatch()).rejects.toThrow(
      /task network parameter \/ampa\/ci\/task-network is invalid/,
    );
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it("makes startedBy from the command id with only the characters ECS allows, at most 128", () => {
    expect(startedBy("triage audit: <all>")).toBe("ampa/triage_audit___all_");
    expect(startedBy("x".repeat(300))).toHaveLength(128);
    expect(startedBy("ok-id_2")).toBe("ampa/ok-id_2");
  });
});

describe("a tick whose task dispatch fails", () => {
  let server: EmbeddedStore;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("fails the claim with ECS's reason on record and frees the command", async () => {
    const table = await createTestTable(server.endpoint, { AMPA_STAGE: "ci" });
    await table.store.addCommand(spec("agent", { frequencyMinutes: 60 }), T0 - 2 * 60 * MINUTE);
    answerNetwork();
    ecs.on(RunTaskCommand).resolves({ failures: [{ reason: "CannotPullContainerError" }] });
    const dispatch = ecsDispatch(table.config, {
      log: testLogger,
      ecs: new ECSClient({}),
      ssm: new SSMClient({}),
    });
    const result = await tickPass(tickDeps(table.store, table.config, { dispatch, now: T0 }), T0);
    expect(result).toMatchObject({ kind: "dispatch-failed", commandId: "agent" });
    const [run] = await table.store.listRuns("agent");
    expect(must(run).outcome).toBe("error");
    expect(must(run).output).toContain("RunTask started no task: CannotPullContainerError");
    expect(must(await table.store.getCommand("agent")).leaseRunId).toBeUndefined();
  });
});
