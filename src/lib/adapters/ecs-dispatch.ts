import type { ECSClient, RunTaskCommandInput, RunTaskCommandOutput } from "@aws-sdk/client-ecs";
import type { SSMClient } from "@aws-sdk/client-ssm";
import * as z from "zod";
import { encodeClaim } from "../core/claim-payload.js";
import type { RunClaim } from "../core/command.js";
import type { Config } from "../core/config.js";
import { asError, type Logger } from "../core/logger.js";
import type { Dispatch } from "../core/ports.js";

/** The worker's container in the task definition (deploy/task.yml). */
export const WORKER_CONTAINER = "worker";

/** The environment variable the worker (src/handlers/task.ts) reads its claim from. */
export const CLAIM_VARIABLE = "AMPA_CLAIM";

/** What the stack writes to `/ampa/<stage>/task-network`: where a task's ENI goes. */
const taskNetworkSchema = z.strictObject({
  subnets: z
    .array(z.string().regex(/^subnet-[0-9a-f]+$/))
    .min(1)
    .max(16),
  securityGroups: z
    .array(z.string().regex(/^sg-[0-9a-f]+$/))
    .min(1)
    .max(5),
});
export type TaskNetwork = z.infer<typeof taskNetworkSchema>;

/** RunTask's idempotency token: at most 64 ASCII characters from 33 to 126. */
const CLIENT_TOKEN = /^[\x21-\x7e]{1,64}$/;

/** RunTask's `startedBy`: letters, digits, `-`, `/` and `_`, at most 128 characters. */
export function startedBy(commandId: string): string {
  return `ampa/${commandId}`.replace(/[^A-Za-z0-9_/-]/g, "_").slice(0, 128);
}

/** The RunTask request for a claim: a pure function, so a retried dispatch sends the same one. */
export function runTaskInput(
  config: Pick<Config, "taskCluster" | "taskDefinition">,
  claim: RunClaim,
  network: TaskNetwork,
): RunTaskCommandInput {
  // The token makes a retried dispatch of one claim start no second task (for 24 hours).
  if (!CLIENT_TOKEN.test(claim.runId))
    throw new Error(`run id ${JSON.stringify(claim.runId)} cannot be a RunTask client token`);
  const { commandId, runId } = claim;
  return {
    cluster: config.taskCluster,
    taskDefinition: config.taskDefinition,
    launchType: "FARGATE",
    count: 1,
    clientToken: runId,
    startedBy: startedBy(commandId),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: network.subnets,
        securityGroups: network.securityGroups,
        // Public subnets without NAT: the public IP is the task's only way out.
        assignPublicIp: "ENABLED",
      },
    },
    overrides: {
      containerOverrides: [
        {
          name: WORKER_CONTAINER,
          environment: [{ name: CLAIM_VARIABLE, value: encodeClaim(claim) }],
        },
      ],
    },
  };
}

/** The task ARN of a RunTask answer; throws with AWS's reason when no task started. */
export function startedTaskArn(res: RunTaskCommandOutput): string {
  const failures = res.failures ?? [];
  if (failures.length > 0) {
    const reasons = failures.map((f) =>
      [f.reason ?? "unknown reason", f.detail, f.arn].filter(Boolean).join(" "),
    );
    throw new Error(`RunTask started no task: ${reasons.join("; ")}`);
  }
  const arn = res.tasks?.[0]?.taskArn;
  if (!arn) throw new Error("RunTask started no task and gave no reason");
  return arn;
}

export interface EcsDispatchOptions {
  log: Logger;
  /** Clients for tests; otherwise each is created on first use. */
  ecs?: ECSClient;
  ssm?: SSMClient;
}

/** What the ECS dispatch reads: the cluster, the task definition and its network. */
export type EcsDispatchSettings = Pick<
  Config,
  "region" | "taskCluster" | "taskDefinition" | "taskNetworkParam"
>;

/**
 * Runs a claim as an ECS Fargate task (`RunTask`) of the worker task definition, with the
 * claim in the container's environment. The subnets and security group come from the
 * stack's SSM parameter, read once per container (a template cannot put them in the
 * functions' environment without breaking offline commands). Any AWS error or a refusal
 * (capacity, a bad image) rejects with AWS's reason: the tick then fails the claim with it.
 */
export function ecsDispatch(config: EcsDispatchSettings, opts: EcsDispatchOptions): Dispatch {
  let ecs = opts.ecs;
  const readNetwork = taskNetworkReader(config, opts.ssm);
  return async (command, claim) => {
    const network = await readNetwork();
    const input = runTaskInput(config, claim, network);
    let res: RunTaskCommandOutput;
    try {
      // Loaded on first use: most containers (and cold starts) never start a task.
      const { ECSClient, RunTaskCommand } = await import("./ecs-sdk.js");
      ecs ??= new ECSClient({ region: config.region });
      res = await ecs.send(new RunTaskCommand(input));
    } catch (err) {
      const e = asError(err);
      throw new Error(`RunTask failed: ${e.name}: ${e.message}`, { cause: err });
    }
    const taskArn = startedTaskArn(res);
    opts.log.info(
      { commandId: command.id, runId: claim.runId, taskArn },
      `dispatch: started task ${taskArn}`,
    );
  };
}

/** Reads and checks the network parameter once; a failed read is tried again next time. */
function taskNetworkReader(
  config: EcsDispatchSettings,
  client?: SSMClient,
): () => Promise<TaskNetwork> {
  let cached: Promise<TaskNetwork> | undefined;
  let ssm = client;
  const read = async (): Promise<TaskNetwork> => {
    const name = config.taskNetworkParam;
    const { SSMClient, GetParameterCommand } = await import("./ssm-sdk.js");
    ssm ??= new SSMClient({ region: config.region });
    let value: string | undefined;
    try {
      value = (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
    } catch (err) {
      const e = asError(err);
      throw new Error(`task network parameter ${name} could not be read: ${e.name}: ${e.message}`, {
        cause: err,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value ?? "");
    } catch {
      throw new Error(`task network parameter ${name} is not JSON`);
    }
    const network = taskNetworkSchema.safeParse(parsed);
    if (!network.success)
      throw new Error(
        `task network parameter ${name} is invalid: ${z.prettifyError(network.error)}`,
      );
    return network.data;
  };
  return () => {
    cached ??= read().catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}
