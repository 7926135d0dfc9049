import { describe, expect, it } from "vitest";
import { childEnv, isWithheld, parsePassthrough } from "../../src/lib/core/child-env.js";

const WORKER = {
  PATH: "/usr/bin",
  HOME: "/home/w",
  LC_ALL: "C.UTF-8",
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "AKIAFAKE",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/x",
  AMPA_DISCORD_WEBHOOK: "https://example.invalid/hook",
  AMPA_LOG_LEVEL: "info",
  OPENAI_API_KEY: "sk-fake",
  MY_TOOL_HOME: "/opt/tool",
  UNDEFINED: undefined,
};

describe("childEnv", () => {
  it("keeps the allowlist only, by default", () => {
    expect(childEnv(WORKER)).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/w",
      LC_ALL: "C.UTF-8",
      AWS_REGION: "eu-west-1",
    });
  });

  it("adds what the passthrough names (exact names and PREFIX_* patterns)", () => {
    const env = childEnv({
      ...WORKER,
      AMPA_CHILD_ENV_PASSTHROUGH: " OPENAI_API_KEY, MY_*,bad name",
    });
    expect(env).toMatchObject({ OPENAI_API_KEY: "sk-fake", MY_TOOL_HOME: "/opt/tool" });
    expect(env.AMPA_CHILD_ENV_PASSTHROUGH).toBeUndefined();
  });

  it("never passes a withheld name; AWS credentials only when a shell command opts in", () => {
    const parent = { ...WORKER, AMPA_CHILD_ENV_PASSTHROUGH: "AWS_ACCESS_KEY_ID,AMPA_*,*" };
    expect(childEnv(parent).AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(childEnv(parent).AMPA_LOG_LEVEL).toBeUndefined();
    const optedIn = childEnv(parent, { inheritAwsCredentials: true });
    expect(optedIn).toMatchObject({
      AWS_ACCESS_KEY_ID: "AKIAFAKE",
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/x",
    });
    expect(optedIn.AMPA_DISCORD_WEBHOOK).toBeUndefined();
  });

  it("lays the run's own variables over everything", () => {
    expect(childEnv(WORKER, { extra: { GH_TOKEN: "t", HOME: "/ws" } })).toMatchObject({
      GH_TOKEN: "t",
      HOME: "/ws",
    });
  });

  it("withholds AMPA secrets and state by name, and every form of AWS credentials", () => {
    for (const name of [
      "AMPA_DISCORD_WEBHOOK",
      "AMPA_DEADLETTER_WEBHOOK",
      "AMPA_METRICS_TOKEN",
      "AMPA_DYNAMODB_ENDPOINT",
      "AMPA_TABLE_NAME",
      "AMPA_CLAIM",
      "AMPA_SCHEDULER_STORE",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_PROFILE",
    ])
      expect(isWithheld(name), name).toBe(true);
    for (const name of ["AMPA_DOUBLES_DIR", "AMPA_LOG_LEVEL", "AWS_REGION", "PATH"])
      expect(isWithheld(name), name).toBe(false);
    expect(parsePassthrough("A,B_*,,-x,C D")).toEqual({ names: new Set(["A"]), prefixes: ["B_"] });
  });
});
