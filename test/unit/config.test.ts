import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cliShellSettings,
  lambdaRuntime,
  loadConfig,
  parseConfig,
} from "../../src/lib/runtime/config.js";

describe("config", () => {
  it("uses the seed's defaults", () => {
    const { config, warnings } = parseConfig({});
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      pollIntervalMs: 5_000,
      globalMinIntervalMs: 60_000,
      priorityWeight: 0.1,
      llmHealthcheckUrl: "http://localhost:8000/health",
      maxRunHistory: 50,
      storeDir: ".ampa/data",
      tableName: "ampa-dev-state",
      dispatch: "inline",
    });
  });

  it("replaces an invalid value by its default with a warning naming the variable", () => {
    const { config, warnings } = parseConfig({
      AMPA_SCHEDULER_PRIORITY_WEIGHT: "heavy",
      AMPA_SCHEDULER_MAX_RUN_HISTORY: "-3",
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS: "30",
    });
    expect(config.priorityWeight).toBe(0.1);
    expect(config.maxRunHistory).toBe(50);
    expect(config.globalMinIntervalMs).toBe(30_000);
    expect(warnings.map((w) => w.variable)).toEqual([
      "AMPA_SCHEDULER_PRIORITY_WEIGHT",
      "AMPA_SCHEDULER_MAX_RUN_HISTORY",
    ]);
    expect(warnings[0]?.message).toContain("using the default 0.1");
  });

  it("verifies PRs with gh by default and bounds wl calls at 60 s; both can be changed", () => {
    expect(parseConfig({}).config).toMatchObject({ verifyPrWithGh: true, wlTimeoutMs: 60_000 });
    expect(
      parseConfig({ AMPA_VERIFY_PR_WITH_GH: "off", AMPA_WL_TIMEOUT_SECONDS: "5" }).config,
    ).toMatchObject({ verifyPrWithGh: false, wlTimeoutMs: 5_000 });
    const { config, warnings } = parseConfig({ AMPA_VERIFY_PR_WITH_GH: "maybe" });
    expect(config.verifyPrWithGh).toBe(true);
    expect(warnings.map((w) => w.variable)).toEqual(["AMPA_VERIFY_PR_WITH_GH"]);
  });

  it("derives the table name from the stage and runs commands in /tmp on Lambda", () => {
    const { config } = parseConfig({
      AMPA_STAGE: "prod",
      AWS_LAMBDA_FUNCTION_NAME: "ampa-prod-tick",
    });
    expect(config.tableName).toBe("ampa-prod-state");
    expect(config.commandCwd).toBe("/tmp");
    expect(config.dispatch).toBe("lambda");
  });

  it("lets .env override the environment, stripping quotes and spaces, unless AMPA_LOAD_DOTENV=0", () => {
    const dir = mkdtempSync(join(tmpdir(), "ampa-env-"));
    writeFileSync(join(dir, "serverless.yml"), "service: x\n");
    writeFileSync(join(dir, ".env"), 'AMPA_SCHEDULER_PRIORITY_WEIGHT=" 0.5 "\n');
    const warnings: string[] = [];
    const env = { AMPA_SCHEDULER_PRIORITY_WEIGHT: "0.2" };
    expect(loadConfig((m) => warnings.push(m), env, join(dir)).priorityWeight).toBe(0.5);
    expect(
      loadConfig((m) => warnings.push(m), { ...env, AMPA_LOAD_DOTENV: "0" }, dir).priorityWeight,
    ).toBe(0.2);
    expect(warnings).toEqual([]);
  });

  it("tells AWS Lambda from serverless-offline and `osls invoke local`, which both set the function name", () => {
    const fn = { AWS_LAMBDA_FUNCTION_NAME: "ampa-dev-tick" };
    expect(lambdaRuntime({})).toBe("none");
    expect(lambdaRuntime(fn)).toBe("lambda");
    expect(lambdaRuntime({ ...fn, IS_OFFLINE: "true" })).toBe("offline");
    expect(lambdaRuntime({ ...fn, IS_LOCAL: "true" })).toBe("invoke-local");
    const on = (env: Record<string, string>) => {
      const { onLambda, invokedLocally, commandCwd, dispatch } = parseConfig(env).config;
      return { onLambda, invokedLocally, commandCwd, dispatch };
    };
    expect(on(fn)).toEqual({
      onLambda: true,
      invokedLocally: false,
      commandCwd: "/tmp",
      dispatch: "lambda",
    });
    // osls invoke local: no SSM, the npm start store; commands in /tmp and lambda dispatch as before.
    expect(on({ ...fn, IS_LOCAL: "true" })).toEqual({
      onLambda: false,
      invokedLocally: true,
      commandCwd: "/tmp",
      dispatch: "lambda",
    });
    expect(on({ ...fn, IS_OFFLINE: "true", INIT_CWD: "/project" })).toEqual({
      onLambda: false,
      invokedLocally: false,
      commandCwd: "/project",
      dispatch: "lambda",
    });
    expect(on({ INIT_CWD: "/project" })).toEqual({
      onLambda: false,
      invokedLocally: false,
      commandCwd: "/project",
      dispatch: "inline",
    });
  });

  it("reads the build id for the startup message", () => {
    expect(parseConfig({}).config.buildId).toBeUndefined();
    expect(parseConfig({ AMPA_BUILD_ID: "build-7" }).config.buildId).toBe("build-7");
  });

  it("gives the CLI its shell's log level and table name, not those of .env", () => {
    expect(cliShellSettings({})).toEqual({ logLevelSet: false, tableName: undefined });
    expect(cliShellSettings({ AMPA_LOG_LEVEL: "debug", AMPA_TABLE_NAME: "t-1" })).toEqual({
      logLevelSet: true,
      tableName: "t-1",
    });
  });
});
