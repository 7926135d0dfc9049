// Workspaces of task runs, with real parts: a real bare git repository (file://) and a
// real git smart-HTTP server over TLS on loopback, real git, the real shell runner, and
// the `wl` test double (it records each `sync`). SSM has no local server: its client is
// mocked with aws-sdk-client-mock, the one AWS client mocked here.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { git } from "../../src/lib/adapters/process/git.js";
import { runShell } from "../../src/lib/adapters/process/shell.js";
import { runTool } from "../../src/lib/adapters/process/tool.js";
import { scratchDirs } from "../../src/lib/adapters/scratch-dirs.js";
import { ssmTaskSecrets } from "../../src/lib/adapters/ssm-task-secrets.js";
import { shellRunner } from "../../src/lib/app/commands/shell/index.js";
import { delegationRunner } from "../../src/lib/app/commands/delegation/index.js";
import {
  withWorkspace,
  type WorkspaceDeps,
  WorkspaceError,
  workspaceRunner,
} from "../../src/lib/app/workspace.js";
import { redactedResult } from "../../src/lib/app/run-redaction.js";
import type { Runner, RunnerContext, ToolOptions, ToolRunner } from "../../src/lib/core/ports.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { CANARY_TOKEN } from "../support/canary.js";
import { command } from "../support/commands.js";
import { createDoubles, delegable, type Doubles } from "../support/doubles.js";
import { startGitHttpsServer } from "../support/git-http-server.js";
import { capturingLogger } from "../support/logger.js";

const ssm = mockClient(SSMClient);
const GIT_TOKEN = "ghp_workspaceTestToken0123456789abcdef";
const SHORT_KEY = "OTHER_KEY";

const sh = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"] }).toString();

/** A bare repository: main (README, .worklog/) as its default branch, `plain` without .worklog. */
function bareRepository(root: string): string {
  const bare = join(root, "origin.git");
  execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  const work = mkdtempSync(join(tmpdir(), "ampa-ws-src-"));
  sh(work, "init", "--quiet", "--initial-branch=main");
  sh(work, "config", "user.email", "test@example.invalid");
  sh(work, "config", "user.name", "test");
  writeFileSync(join(work, "README.md"), "workspace fixture\n");
  mkdirSync(join(work, ".worklog"));
  writeFileSync(join(work, ".worklog", "initialized"), "");
  sh(work, "add", ".");
  sh(work, "commit", "--quiet", "-m", "first");
  writeFileSync(join(work, "SECOND"), "two\n");
  sh(work, "add", ".");
  sh(work, "commit", "--quiet", "-m", "second");
  sh(work, "push", "--quiet", bare, "main");
  sh(work, "checkout", "--quiet", "--orphan", "plain");
  sh(work, "rm", "-r", "--quiet", "--cached", ".");
  writeFileSync(join(work, "PLAIN"), "no worklog here\n");
  sh(work, "add", "PLAIN");
  sh(work, "commit", "--quiet", "-m", "plain");
  sh(work, "push", "--quiet", bare, "plain");
  return bare;
}

let root: string;
let bare: string;
let d: Doubles;
let base: string;
const saved = { ...process.env };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "ampa-ws-repo-"));
  bare = bareRepository(root);
});
beforeEach(() => {
  d = createDoubles({ wl: { items: [] } });
  // The tool runner starts wl with this process's environment: the doubles' PATH.
  process.env.PATH = d.env.PATH;
  process.env.AMPA_DOUBLES_DIR = d.dir;
  process.env.AMPA_CHILD_ENV_PASSTHROUGH = d.env.AMPA_CHILD_ENV_PASSTHROUGH;
  base = mkdtempSync(join(tmpdir(), "ampa-ws-base-"));
  ssm.reset();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: GIT_TOKEN } });
  ssm.on(GetParametersByPathCommand).resolves({
    Parameters: [{ Name: "/ampa/test/env/LLM_API_KEY", Value: CANARY_TOKEN }],
  });
});
afterEach(() => {
  process.env = { ...saved };
});

function syncs(): { cwd: string; worklog: boolean; gitConfig: string[] }[] {
  const file = join(d.dir, "syncs.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { cwd: string; worklog: boolean; gitConfig: string[] });
}

function deps(log = capturingLogger().log): WorkspaceDeps {
  const secrets = ssmTaskSecrets({
    stage: "test",
    region: "us-east-1",
    useSsm: true,
    ssm: new SSMClient({ region: "us-east-1" }),
  });
  return { secrets, git, dirs: scratchDirs(base), runTool, log, clock: Date.now };
}

function context(env: Record<string, string>, log = capturingLogger().log): RunnerContext {
  const { config } = parseConfig({ AMPA_COMMAND_CWD: d.dir, ...env });
  return {
    config,
    log,
    clock: Date.now,
    deadline: Date.now() + 60_000,
    signal: new AbortController().signal,
    commandId: "ws",
    runId: "run-ws",
  };
}

const repoUrl = () => `file://${bare}`;

describe("task run workspace", () => {
  it("clones shallowly, syncs wl before and after, runs the command there with the secrets, then removes the clone", async () => {
    const captured = capturingLogger();
    const run = workspaceRunner(deps(captured.log), shellRunner(runShell));
    const script = [
      "pwd",
      "cat README.md",
      "git rev-parse --is-shallow-repository",
      'echo "syncs before the run: $(wc -l < "$AMPA_DOUBLES_DIR/syncs.jsonl")"',
      'echo "key=$LLM_API_KEY"',
      'echo "gh=$GH_TOKEN"',
    ].join("; ");
    // Redacted where every run's output is: as executeClaim records it.
    const result = redactedResult(
      await run(
        command("ws", { command: script }),
        context({ AMPA_WORKSPACE_REPO: repoUrl() }, captured.log),
      ),
    );
    expect(result).toMatchObject({ exitCode: 0, outcome: "success" });
    const [cwd = ""] = result.output.split("\n");
    expect(cwd.startsWith(realpathSync(base))).toBe(true);
    expect(result.output).toContain("workspace fixture");
    expect(result.output).toContain("\ntrue\n");
    expect(result.output).toContain("syncs before the run: 1");
    // The run had the secrets; what it printed of them is redacted.
    expect(result.output).toContain("key=****");
    expect(result.output).toContain("gh=****");
    expect(result.output).not.toContain(GIT_TOKEN);
    expect(syncs()).toEqual([
      { cwd, worklog: true, gitConfig: [] },
      { cwd, worklog: true, gitConfig: [] },
    ]);
    expect(existsSync(cwd)).toBe(false);
    expect(readdirSync(base)).toEqual([]);
    const logged = JSON.stringify(captured.lines());
    expect(logged).toContain("workspace: cloned");
    expect(logged).not.toContain(GIT_TOKEN);
    expect(ssm.commandCalls(GetParametersByPathCommand)[0]?.args[0].input).toEqual({
      Path: "/ampa/test/env/",
      Recursive: true,
      WithDecryption: true,
    });
  });

  it("clones AMPA_WORKSPACE_REF, and runs no wl sync when the clone has no .worklog/", async () => {
    const run = workspaceRunner(deps(), shellRunner(runShell));
    const result = await run(
      command("ws", { command: "cat PLAIN; ls -a" }),
      context({ AMPA_WORKSPACE_REPO: repoUrl(), AMPA_WORKSPACE_REF: "plain" }),
    );
    expect(result).toMatchObject({ exitCode: 0, outcome: "success" });
    expect(result.output).toContain("no worklog here");
    expect(result.output).not.toContain("README.md");
    expect(syncs()).toEqual([]);
    expect(readdirSync(base)).toEqual([]);
  });

  it("keeps a failing run's outcome, still syncs after it and removes the clone", async () => {
    const run = workspaceRunner(deps(), shellRunner(runShell));
    const result = await run(
      command("ws", { command: "echo failing; exit 3" }),
      context({ AMPA_WORKSPACE_REPO: repoUrl() }),
    );
    expect(result).toMatchObject({ exitCode: 3, outcome: "failure" });
    expect(syncs()).toHaveLength(2);
    expect(readdirSync(base)).toEqual([]);
  });

  it("removes the clone when the run throws, and syncs nothing after it", async () => {
    let cwd = "";
    const throwing: Runner = async (_command, ctx) => {
      cwd = ctx.workspace?.cwd ?? "";
      throw new Error("runner crashed");
    };
    const run = workspaceRunner(deps(), throwing);
    await expect(run(command("ws"), context({ AMPA_WORKSPACE_REPO: repoUrl() }))).rejects.toThrow(
      "runner crashed",
    );
    expect(cwd.startsWith(base)).toBe(true);
    expect(existsSync(cwd)).toBe(false);
    expect(syncs()).toHaveLength(1);
  });

  it("fails before the run with git's own words when the clone fails", async () => {
    let ran = false;
    const run = workspaceRunner(deps(), async () => {
      ran = true;
      return { exitCode: 0, output: "", outputTruncatedBytes: 0, outcome: "success" };
    });
    const missing = `file://${join(root, "missing.git")}`;
    const failure = run(command("ws"), context({ AMPA_WORKSPACE_REPO: missing }));
    await expect(failure).rejects.toBeInstanceOf(WorkspaceError);
    await expect(failure).rejects.toThrow(
      /could not clone file:\/\/.*missing\.git: git clone failed \(exit 128\): .*does not appear to be a git repository/s,
    );
    expect(ran).toBe(false);
    expect(readdirSync(base)).toEqual([]);
  });

  it("fails before the run when the first wl sync fails, with wl's stderr", async () => {
    writeFileSync(
      join(d.dir, "wl.json"),
      JSON.stringify({
        items: [],
        overrides: { sync: { exit: 1, stderr: "fatal: could not fetch refs/worklog/data\n" } },
      }),
    );
    const run = workspaceRunner(deps(), shellRunner(runShell));
    await expect(
      run(command("ws", { command: "echo ran" }), context({ AMPA_WORKSPACE_REPO: repoUrl() })),
    ).rejects.toThrow(
      "Workspace: wl sync before the run failed: exit 1: fatal: could not fetch refs/worklog/data",
    );
    expect(readdirSync(base)).toEqual([]);
  });

  it("reports a failed wl sync after the run in its output and log, and keeps its outcome", async () => {
    writeFileSync(
      join(d.dir, "wl.json"),
      JSON.stringify({
        items: [],
        overrides: { sync: ["fallthrough", { exit: 1, stderr: "push rejected\n" }] },
      }),
    );
    const captured = capturingLogger();
    const run = workspaceRunner(deps(captured.log), shellRunner(runShell));
    const result = await run(
      command("ws", { command: "echo done" }),
      context({ AMPA_WORKSPACE_REPO: repoUrl() }, captured.log),
    );
    expect(result).toMatchObject({ exitCode: 0, outcome: "success" });
    expect(result.output).toBe("done\n\n[ampa] wl sync after the run: exit 1: push rejected\n");
    const warned = captured.lines().filter((l) => l.level === 40);
    expect(warned.map((l) => l.msg)).toContain("wl sync after the run: exit 1: push rejected");
    expect(readdirSync(base)).toEqual([]);
  });

  it("without AMPA_WORKSPACE_REPO runs in AMPA_COMMAND_CWD with the secrets, no clone, no sync", async () => {
    const run = workspaceRunner(deps(), shellRunner(runShell));
    const result = redactedResult(
      await run(command("ws", { command: 'pwd; echo "key=$LLM_API_KEY"' }), context({})),
    );
    expect(result.output).toBe(`${realpathSync(d.dir)}\nkey=****\n`);
    expect(syncs()).toEqual([]);
    expect(readdirSync(base)).toEqual([]);
  });

  it("leaves out refused parameters with a warning naming them, never their values", async () => {
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        { Name: "/ampa/test/env/PATH", Value: "/evil/bin-value" },
        { Name: "/ampa/test/env/team/bad-name", Value: "bad-name-value" },
        { Name: `/ampa/test/env/${SHORT_KEY}`, Value: "other-key-value" },
      ],
    });
    const captured = capturingLogger();
    const run = workspaceRunner(deps(captured.log), shellRunner(runShell));
    const result = redactedResult(
      await run(
        command("ws", {
          command: `echo "$${SHORT_KEY}"; command -v wl >/dev/null && echo wl-found`,
        }),
        context({}, captured.log),
      ),
    );
    expect(result.output).toContain("****\nwl-found\n");
    expect(result.output).toContain(
      "[ampa] SSM parameter /ampa/test/env/PATH: PATH would override a variable AMPA keeps for itself; not exported",
    );
    expect(result.output).toContain(
      "[ampa] SSM parameter /ampa/test/env/team/bad-name: bad-name is not a valid environment variable name; not exported",
    );
    const everything = result.output + JSON.stringify(captured.lines());
    for (const value of ["/evil/bin-value", "bad-name-value", "other-key-value"])
      expect(everything).not.toContain(value);
  });

  it("fails before the run with a clear error when SSM cannot be read", async () => {
    ssm.on(GetParameterCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: ssm:GetParameter"), {
        name: "AccessDeniedException",
      }),
    );
    const run = workspaceRunner(deps(), shellRunner(runShell));
    await expect(
      run(command("ws", { command: "echo ran" }), context({ AMPA_WORKSPACE_REPO: repoUrl() })),
    ).rejects.toThrow(
      "Could not read the task secrets (SSM /ampa/test/git-token): AccessDeniedException: User is not authorized",
    );
    expect(readdirSync(base)).toEqual([]);
  });

  it("runs without a git token when /ampa/<stage>/git-token does not exist", async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "", $metadata: {} }));
    const run = workspaceRunner(deps(), shellRunner(runShell));
    const result = await run(
      command("ws", { command: 'echo "gh=${GH_TOKEN-unset}"' }),
      context({ AMPA_WORKSPACE_REPO: repoUrl() }),
    );
    expect(result.output).toBe("gh=unset\n");
  });
});

describe("Worklog runners in a workspace", () => {
  it("run wl and opencode in the clone with the secrets in their environment", async () => {
    const id = "SA-0MLHNPSGP0N397NX";
    writeFileSync(
      join(d.dir, "wl.json"),
      JSON.stringify({ items: [delegable({ id, status: "open", stage: "idea" })] }),
    );
    // The real tool runner, with each call's options kept to check the environment given.
    const options: { program: string; opts: ToolOptions }[] = [];
    const recording: ToolRunner = (program, args, opts) => {
      options.push({ program, opts });
      return runTool(program, args, opts);
    };
    const store = { getLastAudit: async () => undefined, recordAudit: async () => {} };
    const run = workspaceRunner(deps(), delegationRunner({ store, runTool: recording }));
    const result = await run(command("delegate"), context({ AMPA_WORKSPACE_REPO: repoUrl() }));
    expect(result).toMatchObject({ exitCode: 0, outcome: "success" });
    const [clone = ""] = syncs().map((s) => s.cwd);
    expect(clone.startsWith(realpathSync(base))).toBe(true);
    const calls = d.calls().filter((c) => !(c.program === "wl" && c.argv[0] === "sync"));
    expect(calls.map((c) => c.program)).toContain("opencode");
    expect(calls.find((c) => c.program === "opencode")?.argv.at(-1)).toMatch(
      new RegExp(`^/intake ${id} `),
    );
    for (const call of calls) expect(call.cwd).toBe(clone);
    for (const { opts } of options)
      expect(opts.extraEnv).toMatchObject({ GH_TOKEN: GIT_TOKEN, LLM_API_KEY: CANARY_TOKEN });
    expect(options.map((o) => o.program)).toEqual(expect.arrayContaining(["wl", "opencode"]));
  });
});

describe("https workspace credentials", () => {
  const basic = Buffer.from(`x-access-token:${GIT_TOKEN}`).toString("base64");
  let server: Awaited<ReturnType<typeof startGitHttpsServer>>;
  beforeAll(async () => {
    server = await startGitHttpsServer(root, `Basic ${basic}`);
  });
  afterAll(async () => {
    await server.close();
  });

  /** A `git` on PATH that records its argv and environment, then runs the real git. */
  function recordingGit(): string {
    const log = join(d.dir, "git-argv.log");
    const wrapper = join(d.bin, "git");
    writeFileSync(
      wrapper,
      `#!/bin/sh\nprintf '%s\\n' "$@" >> "${log}"\nenv >> "${log}.env"\nexec /usr/bin/git "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    return log;
  }

  it("passes the token to git as a header through the environment: never in argv, the URL or .git/config", async () => {
    process.env.GIT_SSL_CAINFO = server.caFile;
    const argvLog = recordingGit();
    const url = `${server.url}origin.git`;
    let gitConfig = "";
    const outcome = await withWorkspace(
      deps(),
      {
        repo: url,
        ref: undefined,
        commandCwd: d.dir,
        deadline: Date.now() + 60_000,
        syncTimeoutMs: 30_000,
      },
      async (ws) => {
        gitConfig = readFileSync(join(ws.cwd, ".git", "config"), "utf8");
        expect(readFileSync(join(ws.cwd, "README.md"), "utf8")).toBe("workspace fixture\n");
        return ws.env;
      },
    );
    expect(server.authorizations).toContain(`Basic ${basic}`);
    const argv = readFileSync(argvLog, "utf8");
    expect(argv).toContain("clone\n--depth\n1\n--single-branch\n--\n");
    expect(gitConfig).toContain(`url = ${url}`);
    for (const text of [argv, gitConfig]) {
      expect(text).not.toContain(GIT_TOKEN);
      expect(text).not.toContain(basic);
    }
    // The header reaches git only through its environment, for this origin only.
    const env = readFileSync(`${argvLog}.env`, "utf8");
    expect(env).toContain(`GIT_CONFIG_KEY_0=http.${server.url.replace(/\/$/, "")}/.extraHeader`);
    expect(env).not.toContain(GIT_TOKEN);
    // wl sync and the run get the same credentials.
    const key = `http.${server.url.replace(/\/$/, "")}/.extraHeader`;
    expect(syncs().map((s) => s.gitConfig)).toEqual([[key], [key]]);
    expect(outcome.value).toMatchObject({ GH_TOKEN: GIT_TOKEN, GIT_CONFIG_KEY_0: key });
  });

  it("without the token the server refuses the clone and the run fails with git's reason", async () => {
    process.env.GIT_SSL_CAINFO = server.caFile;
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "", $metadata: {} }));
    const run = workspaceRunner(deps(), shellRunner(runShell));
    await expect(
      run(
        command("ws", { command: "echo ran" }),
        context({ AMPA_WORKSPACE_REPO: `${server.url}origin.git` }),
      ),
    ).rejects.toThrow(
      /git clone failed \(exit 128\): .*(Authentication failed|could not read Username)/s,
    );
    expect(readdirSync(base)).toEqual([]);
  });
});
