import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/lib/core/errors.js";
import { loadConfig, parseConfig } from "../../src/lib/runtime/config.js";
import { lambdaRuntime } from "../../src/lib/runtime/config-knobs.js";
import { editDistance } from "../../src/lib/runtime/config-values.js";
import { cliShellSettings } from "../../src/lib/runtime/process-settings.js";

const ON_LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: "ampa-prod-tick", AMPA_LOAD_DOTENV: "0" };

/** What loadConfig throws for `env`, or undefined when it returns. */
function thrownBy(env: Record<string, string>): unknown {
  try {
    loadConfig(() => undefined, env);
    return undefined;
  } catch (error) {
    return error;
  }
}

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

  it("fails on Lambda on an invalid value, naming every bad variable and hiding secrets", () => {
    const error = thrownBy({
      ...ON_LAMBDA,
      AMPA_TABLE_NAME: "my table!",
      AMPA_DISCORD_WEBHOOK: "not-a-url-but-a-secret",
      AMPA_SCHEDULER_PRIORITY_WEIGHT: "0.3",
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(["AMPA_TABLE_NAME", "AMPA_DISCORD_WEBHOOK"]);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid configuration: AMPA_TABLE_NAME="my table!" is invalid \(/);
    expect(message).toContain("AMPA_DISCORD_WEBHOOK=(value hidden) is invalid");
    expect(message).not.toContain("not-a-url-but-a-secret");
    expect(message).not.toContain("using the default");
    expect(thrownBy({ ...ON_LAMBDA, AMPA_TABLE_NAME: "my-table" })).toBeUndefined();
  });

  it("keeps an invalid value a warning with the default under serverless-offline and the CLI", () => {
    for (const env of [
      { ...ON_LAMBDA, IS_OFFLINE: "true" },
      { ...ON_LAMBDA, IS_LOCAL: "true" },
      {},
    ]) {
      const warnings: string[] = [];
      const config = loadConfig((m) => warnings.push(m), {
        ...env,
        AMPA_LOAD_DOTENV: "0",
        AMPA_TABLE_NAME: "my table!",
      });
      expect(config.tableName).toBe("ampa-dev-state");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^AMPA_TABLE_NAME="my table!" is invalid .*using the default/);
    }
  });

  it("warns about an unknown AMPA_* variable with the nearest known name, never its value", () => {
    const { config, warnings } = parseConfig({
      AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECOND: "30",
      AMPA_DISCORD_WEBHOK: "https://discord.com/api/webhooks/1/secret-token",
      AMPA_LOGLEVEL: "debug",
      OTHER_TOOL_SETTING: "x",
    });
    expect(config.globalMinIntervalMs).toBe(60_000);
    expect(warnings.map((w) => [w.kind, w.message])).toEqual([
      ["unknown", "AMPA_DISCORD_WEBHOK is not a known setting; did you mean AMPA_DISCORD_WEBHOOK?"],
      ["unknown", "AMPA_LOGLEVEL is not a known setting; did you mean AMPA_LOG_LEVEL?"],
      [
        "unknown",
        "AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECOND is not a known setting; did you mean AMPA_SCHEDULER_GLOBAL_MIN_INTERVAL_SECONDS?",
      ],
    ]);
    expect(JSON.stringify(warnings)).not.toContain("secret-token");
  });

  it("warns about an unknown variable from .env too, on Lambda as well (no failure)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ampa-env-"));
    writeFileSync(join(dir, "serverless.yml"), "service: x\n");
    writeFileSync(join(dir, ".env"), "AMPA_HEARTBEAT_MINUTE=5\n");
    for (const env of [{}, { AWS_LAMBDA_FUNCTION_NAME: "ampa-prod-tick" }]) {
      const warnings: string[] = [];
      loadConfig((m) => warnings.push(m), env, dir);
      expect(warnings).toEqual([
        "AMPA_HEARTBEAT_MINUTE is not a known setting; did you mean AMPA_HEARTBEAT_MINUTES?",
      ]);
    }
  });

  it("knows every AMPA_* variable the project itself sets or reads", () => {
    const root = resolve(import.meta.dirname, "../..");
    const files = ["serverless.yml", "package.json", "vitest.config.ts", ".ci/run"].concat(
      ...["src", "scripts", "test", "bin"].map((dir) =>
        readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
          .filter((f) => /\.(ts|mjs|js|sh)$/.test(f))
          .map((f) => join(dir, f)),
      ),
    );
    // This file spells names wrong on purpose; AMPA_SERVICE_HEADER is a constant, no variable.
    const names = new Set(
      files
        .filter((f) => f !== "test/unit/config.test.ts")
        .flatMap(
          (f) => readFileSync(join(root, f), "utf8").match(/\bAMPA_[A-Z0-9_]*[A-Z0-9]\b/g) ?? [],
        )
        .filter((name) => name !== "AMPA_SERVICE_HEADER"),
    );
    expect(names.size).toBeGreaterThan(30);
    const env = Object.fromEntries([...names].map((name) => [name, ""]));
    expect(parseConfig(env).warnings.filter((w) => w.kind === "unknown")).toEqual([]);
  });

  it("measures the edit distance between names", () => {
    expect(editDistance("", "")).toBe(0);
    expect(editDistance("AMPA_STAGE", "AMPA_STAGE")).toBe(0);
    expect(editDistance("AMPA_STAG", "AMPA_STAGE")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("abc", "")).toBe(3);
  });

  it("logs JSON on Lambda and by terminal detection elsewhere, unless AMPA_LOG_FORMAT says", () => {
    expect(parseConfig({}).config.logFormat).toBe("auto");
    expect(parseConfig({ AWS_LAMBDA_FUNCTION_NAME: "f" }).config.logFormat).toBe("json");
    expect(parseConfig({ AWS_LAMBDA_FUNCTION_NAME: "f", IS_OFFLINE: "1" }).config.logFormat).toBe(
      "auto",
    );
    expect(parseConfig({ AMPA_LOG_FORMAT: "pretty" }).config.logFormat).toBe("pretty");
    expect(parseConfig({ AMPA_LOG_FORMAT: "json" }).config.logFormat).toBe("json");
    expect(parseConfig({ AMPA_LOG_FORMAT: "fancy" }).warnings.map((w) => w.variable)).toEqual([
      "AMPA_LOG_FORMAT",
    ]);
  });
});
