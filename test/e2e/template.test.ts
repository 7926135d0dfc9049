import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
  >;
}

let template: Template;
let packageDir: string;
const esbuildDir = `.ampa/esbuild-package-${process.pid}`;

beforeAll(async () => {
  packageDir = mkdtempSync(join(tmpdir(), "ampa-package-"));
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, "node_modules/osls/bin/serverless.js"),
      "package",
      "--stage",
      "ci",
      "--package",
      packageDir,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, AMPA_ESBUILD_DIR: esbuildDir },
      timeout: 120_000,
    },
  );
  template = JSON.parse(
    readFileSync(join(packageDir, "cloudformation-template-update-stack.json"), "utf8"),
  );
}, 150_000);

afterAll(() => {
  rmSync(join(ROOT, esbuildDir), { recursive: true, force: true });
  rmSync(packageDir, { recursive: true, force: true });
});

const ofType = (type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** Each role's statements (logs aside) as `action resource` lines, resources shortened. */
function grants(roleName: string): string[] {
  const role = template.Resources[roleName]?.Properties as {
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
  };
  return role.Policies.flatMap((p) => p.PolicyDocument.Statement).flatMap((s) => {
    expect(s.Effect).toBe("Allow");
    const text = JSON.stringify(s.Resource);
    const resource = text.includes('"StateTable"')
      ? "table"
      : text.includes("LogGroup")
        ? /"(\w+LogGroup)"/.exec(text)?.[1]
        : /"(:(?:function|parameter)[^"]+)"/.exec(text)?.[1];
    return (Array.isArray(s.Action) ? s.Action : [s.Action]).map((a) => `${a} ${resource}`);
  });
}

const logs = (group: string) => [`logs:CreateLogStream ${group}`, `logs:PutLogEvents ${group}`];
const table = (...actions: string[]) => actions.map((a) => `dynamodb:${a} table`);
const WEBHOOK = "ssm:GetParameter :parameter/ampa/ci/discord-webhook";
const RUN_ACCESS = table("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query");

describe("deployable template (osls package)", () => {
  it("gives each function its own role with exactly what its handler calls, never Resource '*'", () => {
    expect(
      Object.fromEntries(ofType("AWS::IAM::Role").map(([name]) => [name, grants(name).sort()])),
    ).toEqual(
      Object.fromEntries(
        Object.entries({
          TickRole: [
            ...logs("TickLogGroup"),
            ...RUN_ACCESS,
            "lambda:InvokeFunction :function:ampa-ci-runCommand",
            WEBHOOK,
          ],
          RunCommandRole: [...logs("RunCommandLogGroup"), ...RUN_ACCESS, WEBHOOK],
          RunOnceRole: [...logs("RunOnceLogGroup"), ...RUN_ACCESS, WEBHOOK],
          HeartbeatRole: [
            ...logs("HeartbeatLogGroup"),
            ...table("GetItem", "PutItem", "UpdateItem"),
            WEBHOOK,
          ],
          DelegationRole: [
            ...logs("DelegationLogGroup"),
            ...table("PutItem", "UpdateItem"),
            WEBHOOK,
          ],
          HealthRole: [...logs("HealthLogGroup"), WEBHOOK],
          MetricsRole: [
            ...logs("MetricsLogGroup"),
            ...table("GetItem", "Query"),
            "ssm:GetParameter :parameter/ampa/ci/metrics-token",
          ],
        }).map(([name, list]) => [name, list.sort()]),
      ),
    );
    const roles = ofType("AWS::IAM::Role");
    const text = JSON.stringify(roles);
    expect(text).not.toContain('"*"');
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

  it("never retries an asynchronous tick or runCommand, and caps their concurrency", () => {
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
      ]),
    );
    expect(configs).toHaveLength(2);
    const reserved = Object.fromEntries(
      ofType("AWS::Lambda::Function").map(([n, f]) => [
        n,
        f.Properties.ReservedConcurrentExecutions,
      ]),
    );
    expect(reserved).toMatchObject({ TickLambdaFunction: 1, RunCommandLambdaFunction: 10 });
  });

  it("sets SourceAccount and SourceArn on every Lambda permission", () => {
    const permissions = ofType("AWS::Lambda::Permission");
    expect(permissions).toHaveLength(4);
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

  it("fires tick every minute; GET /health and /metrics are public, POST /heartbeat needs IAM", () => {
    const rules = ofType("AWS::Events::Rule").map(([, r]) => r.Properties);
    expect(rules).toMatchObject([{ ScheduleExpression: "rate(1 minute)", State: "ENABLED" }]);
    const routes = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => [
      r.Properties.RouteKey,
      r.Properties.AuthorizationType ?? "NONE",
    ]);
    expect(routes.sort()).toEqual([
      ["GET /health", "NONE"],
      ["GET /metrics", "NONE"],
      ["POST /heartbeat", "AWS_IAM"],
    ]);
  });

  it("bundles each of the seven functions separately on nodejs22.x, arm64", () => {
    const functions = ofType("AWS::Lambda::Function").map(([, f]) => f.Properties);
    expect(functions).toHaveLength(7);
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
