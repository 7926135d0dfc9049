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

describe("deployable template (osls package)", () => {
  it("grants only the table, invoking runCommand and SSM under /ampa/<stage>/, never Resource '*'", () => {
    const role = template.Resources.IamRoleLambdaExecution?.Properties as {
      Policies: { PolicyDocument: { Statement: Statement[] } }[];
    };
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const text = JSON.stringify(statements);
    expect(text).not.toContain('"*"');
    const actions = statements
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
      .sort();
    expect(actions).toEqual(
      [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "lambda:InvokeFunction",
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:TagResource",
        "ssm:GetParameter",
      ].sort(),
    );
    expect(text).toContain(":function:ampa-ci-runCommand");
    expect(text).toContain(":parameter/ampa/ci/*");
    // The role must not reference a function: every function depends on the role.
    expect(text).not.toMatch(/LambdaFunction"/);
    // No other role or policy grants anything the checks above do not see.
    const iam = Object.values(template.Resources).filter((r) => r.Type.startsWith("AWS::IAM::"));
    expect(iam.map((r) => r.Type)).toEqual(["AWS::IAM::Role"]);
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

  it("bundles each of the seven functions separately on nodejs22.x", () => {
    const functions = ofType("AWS::Lambda::Function").map(([, f]) => f.Properties);
    expect(functions).toHaveLength(7);
    for (const fn of functions) {
      expect(fn.Runtime).toBe("nodejs22.x");
      // No tool layers unless the stage sets the toolLayers param.
      expect(fn.Layers ?? []).toEqual([]);
      const key = String((fn.Code as { S3Key: string }).S3Key);
      const zip = join(packageDir, key.slice(key.lastIndexOf("/") + 1));
      expect(statSync(zip).size).toBeGreaterThan(0);
    }
  });
});
