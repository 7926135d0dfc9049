import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { packageTemplate } from "../support/package.js";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
interface Template {
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, string>>>;
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
  >;
}

let template: Template;
let packageDir: string;

beforeAll(async () => {
  packageDir = mkdtempSync(join(tmpdir(), "ampa-package-"));
  template = await packageTemplate<Template>(packageDir);
}, 150_000);

afterAll(() => rmSync(packageDir, { recursive: true, force: true }));

const ofType = (type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** A statement's resource, shortened: a resource name, an ARN's tail, or `*`. */
function shortResource(resource: unknown): string | undefined {
  if (resource === "*") return "*";
  const text = JSON.stringify(resource);
  if (text.includes('"StateTable"')) return "table";
  const attribute = /^\{"Fn::GetAtt":\["(\w+)","Arn"\]\}$/.exec(text);
  if (attribute) return attribute[1];
  return /"(:(?:function|parameter|task-definition)[^"]+)"/.exec(text)?.[1];
}

/**
 * Each role's statements as `action resource` lines (one per resource), with ` if <condition>`
 * when the statement has one.
 */
function grants(roleName: string): string[] {
  const role = template.Resources[roleName]?.Properties as {
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
  };
  return role.Policies.flatMap((p) => p.PolicyDocument.Statement).flatMap((s) => {
    expect(s.Effect).toBe("Allow");
    const condition = s.Condition ? ` if ${JSON.stringify(s.Condition)}` : "";
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    return (Array.isArray(s.Action) ? s.Action : [s.Action]).flatMap((a) =>
      resources.map((r) => `${a} ${shortResource(r)}${condition}`),
    );
  });
}

const logs = (group: string) => [`logs:CreateLogStream ${group}`, `logs:PutLogEvents ${group}`];
const table = (...actions: string[]) => actions.map((a) => `dynamodb:${a} table`);
/** Where posts go: the webhook, or in application mode the channel and the bot's token, and the buttons' key. */
const WEBHOOK = [
  "ssm:GetParameter :parameter/ampa/ci/discord-webhook",
  "ssm:GetParameter :parameter/ampa/ci/discord/channel-id",
  "ssm:GetParameter :parameter/ampa/ci/discord/bot-token",
  "ssm:GetParameter :parameter/ampa/ci/discord/button-key",
];
/** A write on the named partitions only (deploy/iam-roles.yml; never CMD). */
const scoped = (action: string, ...partitions: string[]) =>
  `dynamodb:${action} table if ${JSON.stringify({
    "ForAllValues:StringLike": { "dynamodb:LeadingKeys": partitions },
    Null: { "dynamodb:LeadingKeys": "false" },
  })}`;
const LEASE = ["leaseRunId", "leaseOwner", "leaseExpiresAt", "leaseWorker"];
const LEASE_RENEWAL = ["leaseRenewedAt", "leaseRenewals"];
const START = ["lastStartAt", "lastRunId", "dueAt", "virtualFinish"];
const RESULT = ["lastEndAt", "lastExitCode", "lastDurationMs", "lastOutcome"];
/** UpdateItem on CMD of these attributes only, returning none of the others. */
const cmdUpdate = (...attributes: string[]) =>
  `dynamodb:UpdateItem table if ${JSON.stringify({
    "ForAllValues:StringEquals": {
      "dynamodb:LeadingKeys": ["CMD"],
      "dynamodb:Attributes": ["pk", "sk", ...attributes],
    },
    StringEqualsIfExists: { "dynamodb:ReturnValues": ["NONE", "UPDATED_OLD", "UPDATED_NEW"] },
    Null: { "dynamodb:LeadingKeys": "false", "dynamodb:Attributes": "false" },
  })}`;
const READS = table("GetItem", "Query");
/** What a run writes (runCommand, runOnce, the task worker), CMD aside. */
const RUN_WRITES = [
  ...READS,
  scoped("PutItem", "RUN#*", "DLQ", "AUDIT", "PRMON", "DISPATCH"),
  scoped("UpdateItem", "RUN#*", "GLOBAL", "METRICS", "PRMON", "DISPATCH"),
  scoped("DeleteItem", "RUN#*", "PRMON"),
];
const RUN_ACCESS = [
  ...RUN_WRITES,
  cmdUpdate(...LEASE, ...LEASE_RENEWAL, ...RESULT, "lastResultHash"),
];
/** The notifier's writes: the notify state, counters, dead letters. */
const NOTIFY_WRITES = [scoped("PutItem", "DLQ"), scoped("UpdateItem", "GLOBAL", "METRICS")];
/** What tick and runOnce need to start a task run, and nothing more. */
const TASK_DISPATCH = [
  'ecs:RunTask :task-definition/ampa-ci-worker:* if {"ArnEquals":{"ecs:cluster":{"Fn::GetAtt":["TaskCluster","Arn"]}}}',
  ...["TaskRole", "TaskExecutionRole"].map(
    (role) =>
      `iam:PassRole ${role} if {"StringEquals":{"iam:PassedToService":"ecs-tasks.amazonaws.com"}}`,
  ),
  "ssm:GetParameter :parameter/ampa/ci/task-network",
];

describe("deployable template (osls package)", () => {
  it("gives each function and the worker its own role with exactly what it calls, Resource '*' only for ECR's login token", () => {
    expect(
      Object.fromEntries(ofType("AWS::IAM::Role").map(([name]) => [name, grants(name).sort()])),
    ).toEqual(
      Object.fromEntries(
        Object.entries({
          TickRole: [
            ...logs("TickLogGroup"),
            ...READS,
            scoped("PutItem", "RUN#*", "DLQ"),
            scoped("UpdateItem", "GLOBAL", "METRICS"),
            scoped("DeleteItem", "RUN#*"),
            // The claim's condition reads `paused` (AWS counts it as named).
            cmdUpdate(...LEASE, ...LEASE_RENEWAL, ...START, ...RESULT, "paused"),
            "lambda:InvokeFunction :function:ampa-ci-runCommand",
            ...WEBHOOK,
            ...TASK_DISPATCH,
          ],
          RunCommandRole: [...logs("RunCommandLogGroup"), ...RUN_ACCESS, ...WEBHOOK],
          // It also claims the lease and recovers an expired one, and finishes the record of
          // a run asked for from Discord (ACTION).
          RunOnceRole: [
            ...logs("RunOnceLogGroup"),
            ...READS,
            scoped("PutItem", "RUN#*", "DLQ", "AUDIT", "PRMON", "DISPATCH"),
            scoped("UpdateItem", "RUN#*", "GLOBAL", "METRICS", "PRMON", "DISPATCH", "ACTION"),
            scoped("DeleteItem", "RUN#*", "PRMON"),
            cmdUpdate(...LEASE, ...LEASE_RENEWAL, ...START, ...RESULT, "lastResultHash"),
            ...WEBHOOK,
            ...TASK_DISPATCH,
          ],
          HeartbeatRole: [
            ...logs("HeartbeatLogGroup"),
            ...table("GetItem"),
            ...NOTIFY_WRITES,
            ...WEBHOOK,
          ],
          // Live delegation reads and writes its dispatch claims.
          DelegationRole: [
            ...logs("DelegationLogGroup"),
            ...table("Query"),
            scoped("PutItem", "DLQ", "DISPATCH"),
            scoped("UpdateItem", "GLOBAL", "METRICS", "DISPATCH"),
            ...WEBHOOK,
          ],
          // Discord's endpoint: its action log, pause/resume (`paused` only), redrive, its
          // follow-ups and runOnce, its key and allowlist.
          InteractionsRole: [
            ...logs("InteractionsLogGroup"),
            ...READS,
            // Ignore on a failing PR's post writes its PRMON item.
            scoped("PutItem", "ACTION", "DLQ", "PRMON"),
            // Approve on an escalated item's post writes its dispatch record.
            scoped("UpdateItem", "ACTION", "DLQ", "GLOBAL", "METRICS", "DISPATCH"),
            scoped("DeleteItem", "DLQ"),
            cmdUpdate("paused"),
            "lambda:InvokeFunction :function:ampa-ci-interactions",
            "lambda:InvokeFunction :function:ampa-ci-runOnce",
            "ssm:GetParameter :parameter/ampa/ci/discord/public-key",
            "ssm:GetParameter :parameter/ampa/ci/discord/allowlist",
            ...WEBHOOK,
          ],
          HealthRole: [...logs("HealthLogGroup"), ...WEBHOOK],
          MetricsRole: [
            ...logs("MetricsLogGroup"),
            ...table("GetItem", "Query"),
            "ssm:GetParameter :parameter/ampa/ci/metrics-token",
          ],
          // The worker: the same run as runCommand, plus its workspace's secrets.
          TaskRole: [
            ...RUN_ACCESS,
            ...WEBHOOK,
            "ssm:GetParameter :parameter/ampa/ci/git-token",
            "ssm:GetParametersByPath :parameter/ampa/ci/env",
            "ssm:GetParametersByPath :parameter/ampa/ci/env/*",
          ],
          // ECS itself: pull the image, write the log.
          TaskExecutionRole: [
            ...logs("WorkerLogGroup"),
            "ecr:BatchGetImage WorkerRepository",
            "ecr:GetDownloadUrlForLayer WorkerRepository",
            "ecr:GetAuthorizationToken *",
          ],
        }).map(([name, list]) => [name, list.sort()]),
      ),
    );
    const roles = ofType("AWS::IAM::Role");
    const text = JSON.stringify(roles);
    // The one "*": ECR's login token has no resource (it is in the list above).
    expect(text.match(/"\*"/g)).toHaveLength(1);
    // A role must not reference a function: every function depends on its role.
    expect(text).not.toMatch(/LambdaFunction"/);
    // No other IAM resource grants anything the checks above do not see.
    const iam = Object.values(template.Resources).filter((r) => r.Type.startsWith("AWS::IAM::"));
    expect(iam.map((r) => r.Type)).toEqual(roles.map(() => "AWS::IAM::Role"));
    for (const [name, fn] of ofType("AWS::Lambda::Function")) {
      const role = `${name.replace(/LambdaFunction$/, "")}Role`;
      expect(fn.Properties.Role).toEqual({ "Fn::GetAtt": [role, "Arn"] });
    }
  });

  it("defines the Fargate worker: the stack's image, 1 vCPU / 2 GB, the architecture param, read-only root, its log group", () => {
    const definition = template.Resources.WorkerTaskDefinition?.Properties;
    expect(definition).toMatchObject({
      Family: "ampa-ci-worker",
      RequiresCompatibilities: ["FARGATE"],
      NetworkMode: "awsvpc",
      Cpu: 1024,
      Memory: 2048,
      RuntimePlatform: {
        OperatingSystemFamily: "LINUX",
        CpuArchitecture: { "Fn::FindInMap": ["CpuArchitecture", "arm64", "ecs"] },
      },
      TaskRoleArn: { "Fn::GetAtt": ["TaskRole", "Arn"] },
      ExecutionRoleArn: { "Fn::GetAtt": ["TaskExecutionRole", "Arn"] },
      ContainerDefinitions: [
        {
          Name: "worker",
          Image: {
            "Fn::If": [
              "TaskImageFromRepository",
              {
                "Fn::Join": [
                  "",
                  [{ "Fn::GetAtt": ["WorkerRepository", "RepositoryUri"] }, ":latest"],
                ],
              },
              "",
            ],
          },
          Memory: 2048,
          User: "1000",
          ReadonlyRootFilesystem: true,
          LogConfiguration: {
            LogDriver: "awslogs",
            Options: { "awslogs-group": { Ref: "WorkerLogGroup" } },
          },
        },
      ],
    });
    expect(template.Mappings?.CpuArchitecture).toEqual({
      arm64: { ecs: "ARM64" },
      x86_64: { ecs: "X86_64" },
    });
    // Unset taskImage: the stack's own repository.
    expect(template.Conditions?.TaskImageFromRepository).toEqual({ "Fn::Equals": ["", ""] });
    const env = (
      definition?.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[]
    )[0]?.Environment;
    // The claim is a per-run override (AMPA_CLAIM); secrets never sit in the definition.
    expect(env?.map((e) => e.Name).sort()).toEqual(
      [
        "AMPA_COMMAND_CWD",
        "AMPA_DEFAULT_AGENT",
        "AMPA_LOG_FORMAT",
        "AMPA_STAGE",
        "AMPA_TABLE_NAME",
        "AMPA_TASK_CPU",
        "AMPA_TASK_MEMORY",
        "AMPA_WORKSPACE_REF",
        "AMPA_WORKSPACE_REPO",
        "AWS_REGION",
      ].sort(),
    );
    // The worker knows its own size (run records keep their compute time with it).
    const value = (name: string) => String(env?.find((e) => e.Name === name)?.Value);
    expect(value("AMPA_TASK_CPU")).toBe(String(definition?.Cpu));
    expect(value("AMPA_TASK_MEMORY")).toBe(String(definition?.Memory));
    const { config } = parseConfig({
      AMPA_TASK_CPU: value("AMPA_TASK_CPU"),
      AMPA_TASK_MEMORY: value("AMPA_TASK_MEMORY"),
    });
    expect(config.taskSize).toEqual({ vcpu: 1, memoryGb: 2 });
    for (const role of ["TaskRole", "TaskExecutionRole"])
      expect(template.Resources[role]?.Properties.AssumeRolePolicyDocument).toMatchObject({
        Statement: [
          {
            Principal: { Service: "ecs-tasks.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          },
        ],
      });
  });

  it("names the cluster and family as the functions' configuration does, in fixed strings", () => {
    const { config } = parseConfig({ AMPA_STAGE: "ci" });
    expect(template.Resources.TaskCluster?.Properties.ClusterName).toBe(config.taskCluster);
    expect(template.Resources.WorkerTaskDefinition?.Properties.Family).toBe(config.taskDefinition);
    expect(template.Resources.TaskNetworkParameter?.Properties.Name).toBe(config.taskNetworkParam);
    for (const [, fn] of ofType("AWS::Lambda::Function")) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(variables).toMatchObject({
        AMPA_TASK_CLUSTER: "ampa-ci",
        AMPA_TASK_DEFINITION: "ampa-ci-worker",
        // The stage's defaultAgent param: empty (opencode) unless set.
        AMPA_DEFAULT_AGENT: "",
      });
      // A !Ref or ${ssm:} here would break offline commands.
      for (const value of Object.values(variables)) expect(typeof value).toBe("string");
    }
  });

  it("owns a small VPC: two public subnets in two zones, an internet route, no NAT, no inbound rule", () => {
    expect(ofType("AWS::EC2::VPC")).toHaveLength(1);
    const subnets = ofType("AWS::EC2::Subnet").map(([, s]) => s.Properties);
    expect(subnets.map((s) => s.AvailabilityZone)).toEqual([
      { "Fn::Select": [0, { "Fn::GetAZs": "" }] },
      { "Fn::Select": [1, { "Fn::GetAZs": "" }] },
    ]);
    expect(ofType("AWS::EC2::Route").map(([, r]) => r.Properties)).toEqual([
      {
        RouteTableId: { Ref: "TaskRouteTable" },
        DestinationCidrBlock: "0.0.0.0/0",
        GatewayId: { Ref: "TaskInternetGateway" },
      },
    ]);
    expect(ofType("AWS::EC2::SubnetRouteTableAssociation")).toHaveLength(2);
    expect(ofType("AWS::EC2::NatGateway")).toEqual([]);
    const groups = ofType("AWS::EC2::SecurityGroup").map(([, g]) => g.Properties);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.SecurityGroupIngress).toBeUndefined();
    expect(ofType("AWS::EC2::SecurityGroupIngress")).toEqual([]);
    // Where RunTask puts a task, for the dispatcher to read at run time.
    expect(template.Resources.TaskNetworkParameter?.Properties).toMatchObject({
      Type: "String",
      Value: {
        "Fn::Join": [
          "",
          [
            '{"subnets":["',
            { Ref: "TaskSubnetA" },
            '","',
            { Ref: "TaskSubnetB" },
            '"],"securityGroups":["',
            { Ref: "TaskSecurityGroup" },
            '"]}',
          ],
        ],
      },
    });
  });

  it("keeps the worker image in an ECR repository that scans on push and expires all but the last 10", () => {
    const repository = template.Resources.WorkerRepository?.Properties;
    expect(repository).toMatchObject({
      RepositoryName: "ampa-ci-worker",
      ImageScanningConfiguration: { ScanOnPush: true },
    });
    const policy = JSON.parse(
      (repository?.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText,
    ) as { rules: { selection: unknown; action: unknown }[] };
    expect(policy.rules).toMatchObject([
      {
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
        action: { type: "expire" },
      },
    ]);
  });

  it("never retries an asynchronous tick, runCommand, runOnce or interactions follow-up, and reserves no concurrency by default", () => {
    const configs = ofType("AWS::Lambda::EventInvokeConfig").map(([, r]) => r.Properties);
    expect(configs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          FunctionName: { Ref: "TickLambdaFunction" },
          MaximumRetryAttempts: 0,
          MaximumEventAgeInSeconds: 60,
        }),
        expect.objectContaining({
          FunctionName: { Ref: "RunCommandLambdaFunction" },
          MaximumRetryAttempts: 0,
          MaximumEventAgeInSeconds: 300,
        }),
        // Discord's /ampa run and follow-ups: a retry would act twice; the token lasts 15 min.
        ...["RunOnceLambdaFunction", "InteractionsLambdaFunction"].map((fn) =>
          expect.objectContaining({
            FunctionName: { Ref: fn },
            MaximumRetryAttempts: 0,
            MaximumEventAgeInSeconds: 900,
          }),
        ),
      ]),
    );
    expect(configs).toHaveLength(4);
    const reserved = Object.fromEntries(
      ofType("AWS::Lambda::Function").map(([n, f]) => [
        n,
        f.Properties.ReservedConcurrentExecutions,
      ]),
    );
    // Opt-in params (serverless.yml): a reservation fails a new account's first deploy.
    expect(Object.values(reserved)).toEqual(Object.values(reserved).map(() => undefined));
  });

  it("sets SourceAccount and SourceArn on every Lambda permission", () => {
    const permissions = ofType("AWS::Lambda::Permission");
    expect(permissions).toHaveLength(5);
    for (const [, p] of permissions) {
      expect(p.Properties.SourceAccount).toEqual({ Ref: "AWS::AccountId" });
      expect(p.Properties.SourceArn).toBeDefined();
    }
  });

  it("logs HTTP API access to a log group kept a year, like every function's", () => {
    const [[, stage] = ["", undefined]] = ofType("AWS::ApiGatewayV2::Stage");
    expect(stage?.Properties.AccessLogSettings).toMatchObject({
      DestinationArn: { "Fn::GetAtt": ["HttpApiLogGroup", "Arn"] },
    });
    const groups = ofType("AWS::Logs::LogGroup");
    expect(groups.map(([n]) => n)).toContain("HttpApiLogGroup");
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(365);
  });

  it("creates the five alarms only when the alarmTopicArn stage param is set", () => {
    const alarms = ofType("AWS::CloudWatch::Alarm");
    expect(alarms.map(([n]) => n).sort()).toEqual(
      [
        "DeadLettersAlarm",
        "RunCommandErrorsAlarm",
        "RunsAbandonedAlarm",
        "TickErrorsAlarm",
        "TickNotRunningAlarm",
      ].sort(),
    );
    for (const [, a] of alarms)
      expect((a as { Condition?: string }).Condition).toBe("AlarmsEnabled");
    // Unset here: the condition is false and CloudFormation creates none of them.
    expect(template.Conditions?.AlarmsEnabled).toEqual({ "Fn::Not": [{ "Fn::Equals": ["", ""] }] });
    const byName = Object.fromEntries(alarms.map(([n, a]) => [n, a.Properties]));
    expect(byName.TickNotRunningAlarm).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "Invocations",
      Period: 60,
      EvaluationPeriods: 5,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
    });
    expect(byName.DeadLettersAlarm).toMatchObject({
      Namespace: "AMPA",
      MetricName: "DeadLetters",
      Dimensions: [{ Name: "Stage", Value: "ci" }],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
    expect(byName.RunsAbandonedAlarm).toMatchObject({
      Namespace: "AMPA",
      MetricName: "RunsAbandoned",
    });
  });

  it("keeps the state table with a fixed name, on demand, with point-in-time recovery", () => {
    const [[, table] = ["", undefined]] = ofType("AWS::DynamoDB::Table");
    expect(table?.DeletionPolicy).toBe("Retain");
    expect(table?.Properties).toMatchObject({
      TableName: "ampa-ci-state",
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it("fires tick every minute; GET /health, /metrics and POST /discord/interactions are public (the function checks), POST /heartbeat needs IAM", () => {
    const rules = ofType("AWS::Events::Rule").map(([, r]) => r.Properties);
    expect(rules).toMatchObject([{ ScheduleExpression: "rate(1 minute)", State: "ENABLED" }]);
    const routes = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => [
      r.Properties.RouteKey,
      r.Properties.AuthorizationType ?? "NONE",
    ]);
    expect(routes.sort()).toEqual([
      ["GET /health", "NONE"],
      ["GET /metrics", "NONE"],
      ["POST /discord/interactions", "NONE"],
      ["POST /heartbeat", "AWS_IAM"],
    ]);
  });

  it("bundles each of the eight functions separately on nodejs22.x, arm64", () => {
    const functions = ofType("AWS::Lambda::Function").map(([, f]) => f.Properties);
    expect(functions).toHaveLength(8);
    for (const fn of functions) {
      expect(fn.Runtime).toBe("nodejs22.x");
      expect(fn.Architectures).toEqual(["arm64"]);
      // No tool layers unless the stage sets the toolLayers param.
      expect(fn.Layers ?? []).toEqual([]);
      const key = String((fn.Code as { S3Key: string }).S3Key);
      const zip = join(packageDir, key.slice(key.lastIndexOf("/") + 1));
      expect(statSync(zip).size).toBeGreaterThan(0);
      // No source map shipped (serverless.yml says why); zip file names are stored as text.
      expect(readFileSync(zip).includes(".cjs.map")).toBe(false);
    }
  });
});
