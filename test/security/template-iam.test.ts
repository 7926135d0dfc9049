// Issue 19, items 2 and 8, on the packaged template (`osls package`, twice: the defaults and
// a stage that sets every new param). Three checks of the IAM conditions, none of them AWS
// itself (it cannot be asked offline):
//  - the repository's cfn-guard rules (deploy/guard/iam.guard) pass on the real template and
//    fail on a copy broken the way each rule forbids, also through `npm run validate:template`;
//  - the names in the conditions are the code's (partitions from keys.ts, spec fields from
//    core/command.ts);
//  - every write the worker code really sends (recorded on a real dynalite store) is allowed
//    by its role's policy under AWS's condition semantics, and a forged command is not.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as keys from "../../src/lib/adapters/dynamodb/keys.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import { executeClaim, runOnce } from "../../src/lib/app/run.js";
import { claimCommand, failClaim, recoverAbandonedRun } from "../../src/lib/app/run-protocol.js";
import { createRunners } from "../../src/lib/app/commands/registry.js";
import { commandSpecSchema } from "../../src/lib/core/command.js";
import { must, spec } from "../support/commands.js";
import { testLogger } from "../support/logger.js";
import { packageTemplate as packageAs } from "../support/package.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";

const ROOT = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}
interface Template {
  Resources: Record<string, { Type: string; Properties: Json }>;
}

let work: string;
let template: Template;
/** Packaged with every new param set. */
let withParams: Template;

const packageTemplate = (name: string, params: string[] = []) =>
  packageAs<Template>(join(work, name), params);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ampa-template-iam-"));
  [template, withParams] = await Promise.all([
    packageTemplate("defaults", []),
    packageTemplate("params", [
      "tickReservedConcurrency=1",
      "runCommandReservedConcurrency=10",
      "httpApiRateLimit=5",
      "httpApiBurstLimit=7",
      "metricsPublic=true",
    ]),
  ]);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const statements = (t: Template, role: string): Statement[] =>
  (
    t.Resources[role]?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((p) => p.PolicyDocument.Statement);

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const values = (v: string | string[] | undefined) => (v === undefined ? [] : [v].flat());

const WORKER_ROLES = [
  "RunCommandRole",
  "RunOnceRole",
  "DelegationRole",
  "HeartbeatRole",
  "TaskRole",
];
const TABLE_ROLES = ["TickRole", "InteractionsRole", ...WORKER_ROLES];

// ── cfn-guard ─────────────────────────────────────────────────────────────────────────

function guardBinary(): string {
  const pkg = dirname(
    createRequire(import.meta.url).resolve("@cdklabs/cdk-validator-cfnguard/package.json"),
  );
  const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
  return join(pkg, "bin", process.platform === "darwin" ? "macos" : "ubuntu", arch, "cfn-guard");
}

let copies = 0;
function writeCopy(t: Template): string {
  const file = join(work, `broken-${++copies}.json`);
  writeFileSync(file, JSON.stringify(t, null, 2));
  return file;
}

/** The repository's rules on `t`: the failed rules, each with the resources it names. */
async function guard(t: Template): Promise<Record<string, string[]>> {
  const args = ["validate", "-r", join(ROOT, "deploy/guard"), "-d", writeCopy(t), "-z"];
  let stdout: string;
  try {
    ({ stdout } = await run(guardBinary(), [...args, "-o", "json", "-S", "none"]));
  } catch (err) {
    // 19: a rule failed; anything else (a rule file that does not parse) is an error.
    const e = err as { code?: number; stdout?: string };
    if (e.code !== 19 || !e.stdout) throw err;
    stdout = e.stdout;
  }
  const failed: Record<string, string[]> = {};
  for (const report of JSON.parse(stdout) as { not_compliant: { Rule: { name: string } }[] }[])
    for (const f of report.not_compliant) {
      const names = [...JSON.stringify(f).matchAll(/"\/Resources\/(\w+)/g)].map((m) => m[1]);
      failed[f.Rule.name] = [...new Set([...(failed[f.Rule.name] ?? []), ...names])] as string[];
    }
  return failed;
}

const TABLE = { "Fn::GetAtt": ["StateTable", "Arn"] };
const ssmArn = (tail: string) => ({
  "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":ssm:", `:parameter/ampa/ci/${tail}`]],
});

/** The role's first statement allowing `action` (with a condition, when `conditioned`). */
function grantOf(t: Template, role: string, action: string, conditioned = true): Statement {
  const found = statements(t, role).find(
    (s) => actions(s).includes(action) && Boolean(s.Condition) === conditioned,
  );
  if (!found) throw new Error(`${role} has no ${action} statement`);
  return found;
}

/** Appends a statement to the role's (first) policy. */
const add = (t: Template, role: string, s: Statement) =>
  (
    t.Resources[role]?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]
  )[0]?.PolicyDocument.Statement.push(s);
const allow = (action: string | string[], resource: unknown = TABLE): Statement => ({
  Effect: "Allow",
  Action: action,
  Resource: resource,
});

/** Each way to break a rule: what is changed, the rule that must fail, on which role. */
const BREAKS: [string, string, string, (t: Template) => void][] = [
  [
    "PutItem without a condition",
    "ampa_table_put_delete_outside_cmd",
    "TaskRole",
    (t) => add(t, "TaskRole", allow("dynamodb:PutItem")),
  ],
  [
    "PutItem on CMD among the partitions",
    "ampa_table_put_delete_outside_cmd",
    "RunCommandRole",
    (t) => {
      const c = grantOf(t, "RunCommandRole", "dynamodb:PutItem").Condition ?? {};
      (c["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"] as string[]).push("CMD");
    },
  ],
  [
    'DeleteItem on partition "*"',
    "ampa_table_put_delete_outside_cmd",
    "RunOnceRole",
    (t) => {
      const c = grantOf(t, "RunOnceRole", "dynamodb:DeleteItem").Condition ?? {};
      (c["ForAllValues:StringLike"] ?? {})["dynamodb:LeadingKeys"] = ["*"];
    },
  ],
  [
    "PutItem without the Null guard (a request without a key would pass ForAllValues)",
    "ampa_table_put_delete_outside_cmd",
    "HeartbeatRole",
    (t) => delete grantOf(t, "HeartbeatRole", "dynamodb:PutItem").Condition?.Null,
  ],
  [
    "UpdateItem without a condition",
    "ampa_table_update_outside_cmd",
    "DelegationRole",
    (t) => delete grantOf(t, "DelegationRole", "dynamodb:UpdateItem").Condition,
  ],
  [
    "UpdateItem on CMD naming `command`",
    "ampa_table_cmd_updates_run_state_only",
    "RunCommandRole",
    (t) => {
      const c = statements(t, "RunCommandRole").find(
        (s) => s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"],
      )?.Condition;
      (c?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"] as string[]).push("command");
    },
  ],
  [
    "UpdateItem on CMD that may return ALL_NEW",
    "ampa_table_cmd_updates_run_state_only",
    "TaskRole",
    (t) => {
      for (const s of statements(t, "TaskRole")) delete s.Condition?.StringEqualsIfExists;
    },
  ],
  [
    "a worker naming `paused`",
    "ampa_table_workers_never_pause",
    "RunOnceRole",
    (t) => {
      const c = statements(t, "RunOnceRole").find(
        (s) => s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"],
      )?.Condition;
      (c?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"] as string[]).push("paused");
    },
  ],
  [
    "interactions naming `command` on CMD",
    "ampa_table_cmd_updates_run_state_only",
    "InteractionsRole",
    (t) => {
      const c = statements(t, "InteractionsRole").find(
        (s) => s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"],
      )?.Condition;
      (c?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"] as string[]).push("command");
    },
  ],
  [
    "dynamodb:*",
    "ampa_iam_no_wildcard_grants",
    "TaskRole",
    (t) => add(t, "TaskRole", allow("dynamodb:*")),
  ],
  [
    "a managed policy",
    "ampa_iam_no_wildcard_grants",
    "HeartbeatRole",
    (t) => {
      const role = t.Resources.HeartbeatRole?.Properties ?? {};
      role.ManagedPolicyArns = ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"];
    },
  ],
  [
    "BatchWriteItem and PartiQL",
    "ampa_table_no_batch_or_partiql",
    "RunCommandRole",
    (t) => add(t, "RunCommandRole", allow(["dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate"])),
  ],
  [
    "SSM on every parameter of the stage",
    "ampa_ssm_exact_parameters",
    "TaskRole",
    (t) => add(t, "TaskRole", allow("ssm:GetParameter", ssmArn("*"))),
  ],
  [
    'SSM on Resource "*"',
    "ampa_ssm_exact_parameters",
    "RunCommandRole",
    (t) => add(t, "RunCommandRole", allow("ssm:GetParameter", "*")),
  ],
];

describe("the repository's cfn-guard rules (deploy/guard) on the packaged template", () => {
  it("pass on the template as packaged", async () => {
    expect(await guard(template)).toEqual({});
  });

  it.each(BREAKS)("fail on a copy with %s", async (_what, rule, role, breakIt) => {
    const broken = structuredClone(template);
    breakIt(broken);
    const failed = await guard(broken);
    expect(Object.keys(failed)).toEqual([rule]);
    expect(failed[rule]).toEqual([role]);
  });

  it("fail `npm run validate:template` (exit 1, the rule and role named)", async () => {
    const broken = structuredClone(template);
    add(broken, "TaskRole", allow("dynamodb:PutItem"));
    const result = await run(
      process.execPath,
      ["--import", "tsx", "scripts/validate-template.ts", writeCopy(broken)],
      { cwd: ROOT, timeout: 120_000 },
    ).then(
      () => ({ code: 0, stdout: "" }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("FAILED: ampa_table_put_delete_outside_cmd on TaskRole");
    expect(result.stdout).toContain("template: FAILED");
  }, 150_000);
});

describe("the names in the conditions are the code's", () => {
  const partitions = [
    keys.COMMANDS,
    keys.METRICS,
    keys.DEAD_LETTERS,
    keys.AUDITS,
    keys.DISPATCHES,
    keys.PR_REPORTS,
    keys.ACTIONS,
    keys.SCHEDULER_KEY.pk,
    keys.NOTIFY_KEY.pk,
    keys.runPartition("*"),
  ];

  it("every partition a role names is one keys.ts writes; only UpdateItem by attribute names CMD", () => {
    for (const role of TABLE_ROLES)
      for (const s of statements(template, role)) {
        const named = Object.entries(s.Condition ?? {})
          .filter(([operator]) => operator !== "Null")
          .flatMap(([, c]) => values(c["dynamodb:LeadingKeys"]));
        for (const p of named) expect(partitions, `${role}: ${p}`).toContain(p);
        const byAttribute = s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"];
        if (named.includes(keys.COMMANDS)) {
          expect(actions(s), role).toEqual(["dynamodb:UpdateItem"]);
          expect(byAttribute, role).toBeDefined();
        }
      }
  });

  it("no role may name a spec field on CMD but `paused`: the tick (read) and interactions (pause)", () => {
    const specFields = Object.keys(commandSpecSchema.shape);
    for (const role of TABLE_ROLES) {
      const named = statements(template, role).flatMap((s) =>
        values(s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"]),
      );
      const spec = named.filter((a) => specFields.includes(a) && a !== "id");
      expect(spec, role).toEqual(["TickRole", "InteractionsRole"].includes(role) ? ["paused"] : []);
    }
  });

  it("interactions may update nothing on CMD but `paused`", () => {
    const cmd = statements(template, "InteractionsRole").filter((s) =>
      values(s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:LeadingKeys"]).includes("CMD"),
    );
    expect(
      cmd.map((s) => s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"]),
    ).toEqual([["pk", "sk", "paused"]]);
  });
});

describe("stage params in the packaged template", () => {
  const reserved = (t: Template) =>
    Object.fromEntries(
      Object.entries(t.Resources)
        .filter(([, r]) => r.Type === "AWS::Lambda::Function")
        .map(([n, f]) => [n, f.Properties.ReservedConcurrentExecutions]),
    );

  it("reserves no concurrency unless tickReservedConcurrency / runCommandReservedConcurrency are set", () => {
    for (const value of Object.values(reserved(template))) expect(value).toBeUndefined();
    expect(reserved(withParams)).toMatchObject({
      TickLambdaFunction: 1,
      RunCommandLambdaFunction: 10,
      RunOnceLambdaFunction: undefined,
    });
  });

  it("throttles every HTTP API route: 10 req/s, bursts of 20, or the stage's params", () => {
    const settings = (t: Template) => t.Resources.HttpApiStage?.Properties.DefaultRouteSettings;
    expect(settings(template)).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 20,
    });
    // A --param on the command line arrives as text; CloudFormation takes either.
    expect(settings(withParams)).toMatchObject({
      ThrottlingRateLimit: expect.toSatisfy((v) => Number(v) === 5),
      ThrottlingBurstLimit: expect.toSatisfy((v) => Number(v) === 7),
    });
  });

  it("passes metricsPublic to the metrics function only, false unless the stage sets it", () => {
    const env = (t: Template, fn: string) =>
      (t.Resources[fn]?.Properties.Environment as { Variables: Json }).Variables;
    expect(env(template, "MetricsLambdaFunction").AMPA_METRICS_PUBLIC).toBe("false");
    expect(env(withParams, "MetricsLambdaFunction").AMPA_METRICS_PUBLIC).toBe("true");
    expect(env(template, "HealthLambdaFunction").AMPA_METRICS_PUBLIC).toBeUndefined();
  });
});

// ── The code's real writes against the roles (AWS's condition semantics, evaluated here) ──

/** One write as IAM sees it: the action and the values of its condition keys. */
interface Write {
  action: string;
  pk: string;
  attributes: string[];
  returnValues?: string;
}

type Marshalled = Record<string, { S?: string } | undefined>;
const EXPRESSION_WORDS = new Set(
  "SET REMOVE ADD DELETE AND OR NOT IN BETWEEN attribute_exists attribute_not_exists attribute_type begins_with contains size if_not_exists list_append".split(
    " ",
  ),
);

/** The top-level attributes a request names: its key, item, update and condition expressions. */
function named(input: Json): string[] {
  const aliases = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const expressions = [input.UpdateExpression, input.ConditionExpression].filter(Boolean);
  const words = expressions
    .join(" ")
    .replace(/:\w+/g, " ")
    .match(/#?[A-Za-z_]\w*/g);
  const names = (words ?? [])
    .filter((w) => !EXPRESSION_WORDS.has(w))
    .map((w) => (w.startsWith("#") ? (aliases[w] ?? w) : w));
  const item = (input.Item ?? input.Key ?? {}) as Marshalled;
  return [...new Set([...Object.keys(item), ...names])];
}

/** Records every single-item write the store sends through `doc` (marshalled, as sent). */
function recordWrites(doc: DynamoDBDocumentClient): Write[] {
  const writes: Write[] = [];
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const action = String(context.commandName).replace(/Command$/, "");
      const input = args.input as Json;
      if (["PutItem", "UpdateItem", "DeleteItem"].includes(action)) {
        const item = (input.Item ?? input.Key) as Marshalled;
        writes.push({
          action,
          pk: String(item.pk?.S),
          attributes: named(input),
          ...(input.ReturnValues ? { returnValues: String(input.ReturnValues) } : {}),
        });
      }
      return next(args);
    },
    { step: "build", name: "iamWriteRecorder" },
  );
  return writes;
}

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);

/** IAM's evaluation of the operators the roles use; an unknown operator fails the test. */
function conditionHolds(condition: Statement["Condition"], w: Write): boolean {
  const context: Record<string, string[] | undefined> = {
    "dynamodb:LeadingKeys": [w.pk],
    "dynamodb:Attributes": w.attributes,
    "dynamodb:ReturnValues": w.returnValues ? [w.returnValues] : undefined,
  };
  return Object.entries(condition ?? {}).every(([operator, pairs]) =>
    Object.entries(pairs).every(([key, expected]) => {
      const actual = context[key];
      const allowed = values(expected);
      switch (operator) {
        case "ForAllValues:StringLike":
          return (actual ?? []).every((a) => allowed.some((e) => glob(e).test(a)));
        case "ForAllValues:StringEquals":
          return (actual ?? []).every((a) => allowed.includes(a));
        case "StringEqualsIfExists":
          return actual === undefined || actual.every((a) => allowed.includes(a));
        case "Null":
          return (actual === undefined) === (expected === "true");
        default:
          throw new Error(`no evaluation here for ${operator}`);
      }
    }),
  );
}

const allows = (t: Template, role: string, w: Write) =>
  statements(t, role).some(
    (s) =>
      s.Effect === "Allow" &&
      actions(s).includes(`dynamodb:${w.action}`) &&
      conditionHolds(s.Condition, w),
  );

describe("the worker code's real writes under its role's conditions", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let t: TestTable;
  let writes: Write[];
  beforeAll(async () => {
    server = await startTestServer();
    t = await createTestTable(server.endpoint);
    writes = recordWrites(t.doc);
  });
  afterAll(async () => server.close());

  const runDeps = () => ({
    store: t.store,
    config: t.config,
    log: testLogger,
    clock: Date.now,
    runners: createRunners(processes),
  });
  const claim = async (id: string, now: number) =>
    must(
      await claimCommand(t.store, must(await t.store.getCommand(id)), {
        now,
        owner: "tick:test",
        trigger: "schedule",
        config: t.config,
      }),
      "claim",
    );
  /** The writes `phase` sends, each checked against every role that runs that code. */
  async function expectAllowed(roles: string[], phase: () => Promise<unknown>) {
    writes.length = 0;
    await phase();
    expect(writes.length).toBeGreaterThan(0);
    for (const role of roles)
      for (const w of writes)
        expect(allows(template, role, w), `${role}: ${JSON.stringify(w)}`).toBe(true);
  }

  it("allows the tick's claims, recoveries and failed dispatches", async () => {
    await t.store.addCommand(spec("tick-a", { command: "echo a" }), Date.now() - 3_600_000);
    await expectAllowed(["TickRole"], async () => {
      const old = Date.now() - 3_600_000;
      await claim("tick-a", old);
      await recoverAbandonedRun(t.store, must(await t.store.getCommand("tick-a")), Date.now());
      await failClaim(runDeps(), await claim("tick-a", Date.now()), "dispatch failed");
    });
  });

  it("allows runCommand's (and the task worker's) run of a claim", async () => {
    await t.store.addCommand(spec("run-a", { command: "echo run" }), Date.now());
    const c = await claim("run-a", Date.now());
    await expectAllowed(["RunCommandRole", "TaskRole"], async () => {
      const run = await executeClaim(runDeps(), must(await t.store.getCommand("run-a")), c);
      expect(run?.outcome).toBe("success");
    });
  });

  it("allows runOnce: recovering an expired lease, claiming, running", async () => {
    await t.store.addCommand(spec("once-a", { command: "echo once" }), Date.now());
    await claim("once-a", Date.now() - 3_600_000);
    await expectAllowed(["RunOnceRole"], async () => {
      expect((await runOnce(runDeps(), "once-a", "runOnce:test")).outcome).toBe("success");
    });
  });

  it("allows interactions: an action's record and outcome, pause and resume, a redrive, an ignored PR", async () => {
    await t.store.addCommand(spec("discord-a", { command: "echo d" }), Date.now());
    await t.store.putDeadLetter({
      kind: "run",
      content: "# x",
      reason: "r",
      attempts: 1,
      createdAt: Date.now(),
    });
    const key = { at: Date.now(), interactionId: "1234567890" };
    await expectAllowed(["InteractionsRole"], async () => {
      const record = {
        ...key,
        userId: "1",
        userName: "u",
        action: "pause",
        outcome: "pending" as const,
      };
      expect(await t.store.claimAction(record)).toBe(true);
      await t.store.setPaused("discord-a", true);
      await t.store.setPaused("discord-a", false);
      await t.store.finishAction(key, { outcome: "done", detail: "ok", at: Date.now() });
      const [letter] = await t.store.listDeadLetters();
      expect(
        await t.store.claimDeadLetter(must(letter, "letter").id, "tok", Date.now(), 60_000),
      ).toBe(true);
      await t.store.releaseDeadLetter(must(letter, "letter").id, "tok", "again", Date.now());
      expect(
        await t.store.claimDeadLetter(
          must(letter, "letter").id,
          "tok2",
          Date.now() + 120_000,
          60_000,
        ),
      ).toBe(true);
      await t.store.deleteDeadLetter(must(letter, "letter").id, "tok2");
      const ignore = { repo: "acme/app", number: 12, userId: "1", userName: "u", ignoredAt: 1 };
      expect(await t.store.ignorePullRequest(ignore)).toBe(true);
    });
    // runOnce finishes the record of a run asked for from Discord.
    await expectAllowed(["RunOnceRole"], () =>
      t.store.finishAction(key, { outcome: "done", detail: "ran", at: Date.now() }),
    );
  });

  it.each([
    [
      "a new command",
      { action: "PutItem", pk: "CMD", attributes: ["pk", "sk", "type", "command"] },
    ],
    [
      "a rewritten command",
      { action: "UpdateItem", pk: "CMD", attributes: ["pk", "sk", "command"] },
    ],
    ["a lease taken", { action: "UpdateItem", pk: "CMD", attributes: ["pk", "sk", "leaseRunId"] }],
    ["a deleted command", { action: "DeleteItem", pk: "CMD", attributes: ["pk", "sk"] }],
    ["an erased action", { action: "DeleteItem", pk: "ACTION", attributes: ["pk", "sk"] }],
    ["a run record", { action: "PutItem", pk: "RUN#x", attributes: ["pk", "sk"] }],
    // Ignore only adds an item to PRMON: the monitor's reports are its own.
    ["an updated PR report", { action: "UpdateItem", pk: "PRMON", attributes: ["pk", "sk"] }],
    ["an erased PR report", { action: "DeleteItem", pk: "PRMON", attributes: ["pk", "sk"] }],
  ] as [string, Write][])("refuses interactions %s", (_what, w) => {
    expect(allows(template, "InteractionsRole", w)).toBe(false);
  });

  const forged: [string, Write][] = [
    [
      "a new command",
      { action: "PutItem", pk: "CMD", attributes: ["pk", "sk", "type", "command"] },
    ],
    [
      "a rewritten command",
      { action: "UpdateItem", pk: "CMD", attributes: ["pk", "sk", "command"] },
    ],
    [
      "an unpaused command",
      { action: "UpdateItem", pk: "CMD", attributes: ["pk", "sk", "paused"] },
    ],
    ["a deleted command", { action: "DeleteItem", pk: "CMD", attributes: ["pk", "sk"] }],
    [
      "a lease write reading the whole command back",
      {
        action: "UpdateItem",
        pk: "CMD",
        attributes: ["pk", "sk", "leaseRunId"],
        returnValues: "ALL_NEW",
      },
    ],
    ["an erased dead letter", { action: "DeleteItem", pk: "DLQ", attributes: ["pk", "sk"] }],
    ["an erased audit", { action: "DeleteItem", pk: "AUDIT", attributes: ["pk", "sk"] }],
    ["an erased action", { action: "DeleteItem", pk: "ACTION", attributes: ["pk", "sk"] }],
  ];

  it.each(forged)("refuses every worker role %s", (_what, w) => {
    for (const role of WORKER_ROLES) expect(allows(template, role, w), role).toBe(false);
  });
});
