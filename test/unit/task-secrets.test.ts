// SSM has no local server: its client is mocked with aws-sdk-client-mock, the one AWS
// client mocked here.
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { refusedVariable, ssmTaskSecrets } from "../../src/lib/adapters/ssm-task-secrets.js";
import { redactSecrets } from "../../src/lib/core/secrets.js";
import { parseConfig } from "../../src/lib/runtime/config.js";

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

const source = (useSsm = true) =>
  ssmTaskSecrets({
    stage: "prod",
    region: "us-east-1",
    useSsm,
    ssm: new SSMClient({ region: "us-east-1" }),
  });

describe("SSM task secrets", () => {
  it("reads the git token and every page of /ampa/<stage>/env/, one variable per parameter, all redacted", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: " git-token-value-1234 \n" } });
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({
        Parameters: [{ Name: "/ampa/prod/env/OPENAI_API_KEY", Value: "sk-first-page-value" }],
        NextToken: "page-2",
      })
      .resolvesOnce({
        Parameters: [{ Name: "/ampa/prod/env/llm/ANTHROPIC_API_KEY", Value: "second-page-value" }],
      });
    const secrets = await source()();
    expect(secrets).toEqual({
      gitToken: "git-token-value-1234",
      env: { OPENAI_API_KEY: "sk-first-page-value", ANTHROPIC_API_KEY: "second-page-value" },
      warnings: [],
    });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: "/ampa/prod/git-token",
      WithDecryption: true,
    });
    const pages = ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(pages).toEqual([
      { Path: "/ampa/prod/env/", Recursive: true, WithDecryption: true },
      { Path: "/ampa/prod/env/", Recursive: true, WithDecryption: true, NextToken: "page-2" },
    ]);
    expect(redactSecrets("git-token-value-1234 sk-first-page-value second-page-value")).toBe(
      "**** **** ****",
    );
  });

  it("has no git token when the parameter does not exist", async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "", $metadata: {} }));
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    expect(await source()()).toEqual({ env: {}, warnings: [] });
  });

  it("keeps the first of two parameters that name the same variable, in name order, and says so", async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "", $metadata: {} }));
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        { Name: "/ampa/prod/env/b/KEY", Value: "value-from-b-path" },
        { Name: "/ampa/prod/env/a/KEY", Value: "value-from-a-path" },
      ],
    });
    const secrets = await source()();
    expect(secrets.env).toEqual({ KEY: "value-from-a-path" });
    expect(secrets.warnings).toEqual([
      "SSM parameter /ampa/prod/env/b/KEY: KEY is already set by another; not exported",
    ]);
  });

  it("throws a clear error naming the path for other SSM errors", async () => {
    ssm.on(GetParameterCommand).resolves({});
    ssm
      .on(GetParametersByPathCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    await expect(source()()).rejects.toThrow(
      "Could not read the task secrets (SSM /ampa/prod/env/*): ThrottlingException: Rate exceeded",
    );
  });

  it("is empty without SSM (locally) and asks nothing", async () => {
    expect(await source(false)()).toEqual({ env: {}, warnings: [] });
    expect(ssm.calls()).toHaveLength(0);
  });

  it.each([
    ["PATH", "would override"],
    ["path", "would override"],
    ["LD_PRELOAD", "would override"],
    ["DYLD_INSERT_LIBRARIES", "would override"],
    ["NODE_OPTIONS", "would override"],
    ["AMPA_STAGE", "would override"],
    ["GIT_SSH_COMMAND", "would override"],
    ["GIT_CONFIG_COUNT", "would override"],
    ["GH_TOKEN", "would override"],
    ["BASH_ENV", "would override"],
    ["1KEY", "is not a valid"],
    ["KEY-NAME", "is not a valid"],
    ["KEY NAME", "is not a valid"],
    ["", "is not a valid"],
  ])("refuses %j as a variable name", (name, reason) => {
    expect(refusedVariable(name)).toContain(reason);
  });

  it.each(["OPENAI_API_KEY", "_private", "AWS_REGION", "GITHUB_ORG", "LDAP_URL"])(
    "accepts %j",
    (name) => {
      expect(refusedVariable(name)).toBeUndefined();
    },
  );
});

describe("workspace settings", () => {
  const parsed = (env: Record<string, string>) => parseConfig(env);

  it.each([
    "https://github.com/acme/backlog.git",
    "http://127.0.0.1:8080/repo.git",
    "ssh://git@github.com/acme/backlog.git",
    "git@github.com:acme/backlog.git",
    "file:///srv/git/backlog.git",
  ])("accepts the repository %s", (url) => {
    const { config, warnings } = parsed({ AMPA_WORKSPACE_REPO: url });
    expect(warnings).toEqual([]);
    expect(config.workspaceRepo).toBe(url);
  });

  it.each([
    ["/srv/git/backlog.git", "use a file:// URL"],
    ["https://user:ghp_secretvalue123@github.com/acme/b.git", "without credentials"],
    ["https://x-access-token@github.com/acme/b.git", "without credentials"],
    ["--upload-pack=touch /tmp/pwned", "leading '-'"],
    ["ext::sh -c touch% /tmp/pwned", "no spaces"],
    ["ext::sh", "expected an https"],
    ["ftp://example.com/repo.git", "expected an https"],
  ])("refuses the repository %j without echoing it", (url, reason) => {
    const { config, warnings } = parsed({ AMPA_WORKSPACE_REPO: url });
    expect(config.workspaceRepo).toBeUndefined();
    expect(warnings[0]?.message).toContain(reason);
    expect(warnings[0]?.message).toContain("(value hidden)");
    expect(warnings[0]?.message).not.toContain(url);
  });

  it.each(["main", "release/2026.02", "v1.2.3", "feature_x-y"])("accepts the ref %s", (ref) => {
    expect(parsed({ AMPA_WORKSPACE_REF: ref }).config.workspaceRef).toBe(ref);
  });

  it.each(["-b", "a..b", "main.lock", "a//b", "trailing/", "sp ace", "a:b"])(
    "refuses the ref %j",
    (ref) => {
      const { config, warnings } = parsed({ AMPA_WORKSPACE_REF: ref });
      expect(config.workspaceRef).toBeUndefined();
      expect(warnings[0]?.variable).toBe("AMPA_WORKSPACE_REF");
    },
  );

  it("takes an absolute AMPA_WORKSPACE_DIR and refuses a relative one", () => {
    expect(parsed({ AMPA_WORKSPACE_DIR: "/mnt/work" }).config.workspaceDir).toBe("/mnt/work");
    const relative = parsed({ AMPA_WORKSPACE_DIR: "work" });
    expect(relative.config.workspaceDir).toBeUndefined();
    expect(relative.warnings[0]?.message).toContain("expected an absolute path");
  });
});
