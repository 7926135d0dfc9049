import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CANARY_TOKEN } from "../support/canary.js";
import { runCli } from "../support/cli.js";
import { spec } from "../support/commands.js";
import { startDashboardCli } from "../support/dashboard.js";
import { type FakeLambda, type LambdaAnswer, startFakeLambda } from "../support/fake-lambda.js";
import { cliHarness } from "../support/harness.js";
import { waitFor } from "../support/wait.js";

/*
 * Issue 19, finding 4: `ampa --stage S run-once <id>` and the dashboard's Run once on a
 * deployed table ran the table's shell string on the operator's machine, with the
 * operator's credentials. Whoever could write a command item ran code there.
 *
 * The deployed stack here: a dynalite table standing in for `ampa-s1-state` (the CLI
 * reaches it through AMPA_DYNAMODB_ENDPOINT + AMPA_TABLE_NAME, as it would reach AWS's),
 * and a real HTTP server speaking the Lambda Invoke API standing in for Lambda
 * (AMPA_LAMBDA_ENDPOINT): Lambda has no local equivalent in these tests. It records the
 * invocation and answers as the deployed runOnce function would, running nothing.
 */

const h = cliHarness();
const STAGE = ["--stage", "s1"];
const FUNCTION = "ampa-s1-runOnce";

let lambda: FakeLambda;
let answer: LambdaAnswer;
let marker: string;

/** What the deployed function answers for a run that printed `output` and exited `exitCode`. */
function ran(id: string, output: string, exitCode: number): LambdaAnswer {
  const startedAt = new Date(Date.now() - 1200).toISOString();
  return {
    result: {
      id,
      exitCode,
      outcome: exitCode === 0 ? "success" : "failure",
      output,
      startedAt,
      endedAt: new Date().toISOString(),
      runId: `${id}-run`,
      durationMs: 1200,
      outputTruncatedBytes: 0,
      late: false,
    },
  };
}

beforeEach(async () => {
  marker = join(mkdtempSync(join(tmpdir(), "ampa-runonce-")), "pwned");
  // What an attacker who can write command items puts in the deployed table.
  await h.store.addCommand(spec("injected", { command: `touch ${marker}` }), Date.now());
  answer = ran("injected", "ran in Lambda\n", 0);
  lambda = await startFakeLambda(() => answer);
});
afterEach(async () => {
  await lambda.close();
});

const deployedEnv = () => ({ ...h.env, AMPA_LAMBDA_ENDPOINT: lambda.url });

describe("run-once on a deployed table", () => {
  it("invokes the stage's runOnce function and never runs the command on this machine", async () => {
    // The function's output carries a webhook token (say an older deploy that did not
    // redact it): the CLI redacts again before printing.
    const leaky = `ran in Lambda\nhttps://discord.com/api/webhooks/42/${CANARY_TOKEN}\n`;
    answer = ran("injected", leaky, 3);
    const result = await runCli([...STAGE, "run-once", "injected"], deployedEnv());
    expect(existsSync(marker)).toBe(false);
    expect(lambda.invocations).toEqual([
      { functionName: FUNCTION, invocationType: "RequestResponse", payload: { id: "injected" } },
    ]);
    // The function's exit code and output, as a local run prints them.
    expect(result.code).toBe(3);
    expect(result.stdout).toBe(
      "ran in Lambda\nhttps://discord.com/api/webhooks/42/****\n" +
        `Run-once complete for injected exit=3 (in ${FUNCTION})\n`,
    );
    expect(result.stdout + result.stderr).not.toContain(CANARY_TOKEN);
  });

  it("prints the run as JSON with --json, and warns that Lambda cuts a task command", async () => {
    const task = spec("long", { command: `touch ${marker}`, runtime: "task" });
    await h.store.addCommand(task, Date.now());
    answer = ran("long", "ran in Lambda\n", 0);
    const result = await runCli([...STAGE, "run-once", "long", "--json"], deployedEnv());
    expect(existsSync(marker)).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "ampa: long is a task command: ampa-s1-runOnce runs it in Lambda, which stops it at 15 minutes",
    );
    // The same shape as a local run's.
    expect(JSON.parse(result.stdout)).toMatchObject({
      commandId: "long",
      runId: "long-run",
      trigger: "run-once",
      exitCode: 0,
      outcome: "success",
      output: "ran in Lambda\n",
      durationMs: 1200,
      late: false,
    });
  });

  it("runs it here only with --on-this-machine, saying what it runs first", async () => {
    const result = await runCli(
      [...STAGE, "run-once", "injected", "--on-this-machine"],
      deployedEnv(),
    );
    expect(result.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(lambda.invocations).toEqual([]);
    expect(result.stderr).toContain("ampa: running injected of ");
    expect(result.stderr).toContain("on this machine, as you:\n  type: shell\n");
    expect(result.stderr).toContain(`  command: touch ${marker}\n`);
  });

  it("says why and exits non-zero when the function fails, times out or is missing", async () => {
    const cases: [LambdaAnswer, number, RegExp][] = [
      [
        {
          functionError: {
            errorType: "Sandbox.Timedout",
            errorMessage: "RequestId: r1 Error: Task timed out after 900.00 seconds",
          },
        },
        1,
        /ampa-s1-runOnce was stopped at its 15-minute timeout before injected ended/,
      ],
      [
        { functionError: { errorType: "Error", errorMessage: `boom ${CANARY_TOKEN}` } },
        1,
        /^ampa-s1-runOnce failed \(Error\): boom/,
      ],
      [
        { functionError: { errorType: "UnknownCommandError", errorMessage: "gone" } },
        2,
        /^Unknown command id: injected$/m,
      ],
      [
        {
          status: 404,
          errorType: "ResourceNotFoundException",
          message: "Function not found: arn:aws:lambda:us-east-1:1:function:ampa-s1-runOnce",
        },
        2,
        /^No function ampa-s1-runOnce in us-east-1: is stage s1 deployed there\?/,
      ],
    ];
    for (const [reply, code, message] of cases) {
      answer = reply;
      const result = await runCli([...STAGE, "run-once", "injected"], deployedEnv());
      expect({ code: result.code, stderr: result.stderr }).toEqual({
        code,
        stderr: expect.stringMatching(message) as unknown,
      });
      expect(result.stderr).not.toContain(CANARY_TOKEN);
    }
    // Each failure was one invocation: never retried (a retry would run it twice).
    expect(lambda.invocations).toHaveLength(cases.length);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("the dashboard's Run once on a deployed table", () => {
  it("invokes the stage's runOnce function, never this machine", async () => {
    const dashboard = await startDashboardCli(deployedEnv(), STAGE);
    try {
      const res = await fetch(`${dashboard.origin}/action`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: dashboard.token, action: "run-once", id: "injected" }),
        redirect: "manual",
      });
      expect(res.status).toBe(303);
      await waitFor("the invocation", () => lambda.invocations.length > 0);
      expect(lambda.invocations).toEqual([
        { functionName: FUNCTION, invocationType: "RequestResponse", payload: { id: "injected" } },
      ]);
      const notice = new URL(res.headers.get("location") ?? "", dashboard.origin).searchParams;
      expect(notice.get("notice")).toBe("Ran injected once: success, exit 0");
      expect(existsSync(marker)).toBe(false);
    } finally {
      await dashboard.stop();
    }
  });
});
