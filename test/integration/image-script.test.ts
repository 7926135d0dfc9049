import { execFile } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_NAMES, BUILT_IN_AGENTS } from "../../src/lib/app/agents/profiles.js";
import { AGENT_FILES } from "../../scripts/image.js";

// Neither docker, podman nor AWS is here: `aws` and the engine are real executables on PATH
// that record their argv and stdin (test/doubles/container-tools.mjs).
const ROOT = resolve(import.meta.dirname, "../..");
const DOUBLE = join(ROOT, "test/doubles/container-tools.mjs");
const run = promisify(execFile);
const REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ampa-prod-worker";

let dir: string;
let worklog: string;
let entry: string;
const entryDir = join(ROOT, `.ampa/image-entry-${process.pid}`);

/** A PATH with node and the doubles named `programs`, and nothing else. */
function pathWith(programs: string[]): string {
  const bin = mkdtempSync(join(dir, "bin-"));
  for (const program of programs) symlinkSync(DOUBLE, join(bin, program));
  return [bin, dirname(process.execPath)].join(":");
}

async function image(args: string[], path: string, env: Record<string, string> = {}) {
  return run(process.execPath, ["--import", "tsx", "scripts/image.ts", ...args], {
    cwd: ROOT,
    env: { PATH: path, AMPA_DOUBLES_DIR: dir, ...env },
  }).catch((err: unknown) => err as { code: number; stdout: string; stderr: string });
}

function calls(): { program: string; argv: string[]; stdin?: string }[] {
  const file = join(dir, "calls.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { program: string; argv: string[]; stdin?: string });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ampa-image-"));
  worklog = join(dir, "worklog-1.0.0.tgz");
  writeFileSync(worklog, "not really a tarball");
  // The real worker entry is another module's; a one-line stand-in is enough to bundle.
  mkdirSync(entryDir, { recursive: true });
  entry = join(entryDir, "task.ts");
  writeFileSync(entry, 'console.log("worker");\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(entryDir, { recursive: true, force: true });
});

describe("npm run image", () => {
  it("--dry-run prints each argv for the podman on PATH and the architecture's platform, running nothing", async () => {
    const path = pathWith(["podman", "aws"]);
    const args = ["--dry-run", "--stage", "prod", "--region", "eu-west-1", "--account"];
    const { stdout } = await image(
      [
        ...args,
        "123456789012",
        "--architecture",
        "x86_64",
        "--tag",
        "abc123",
        "--worklog",
        worklog,
      ],
      path,
    );
    const lines = stdout.trim().split("\n");
    expect(lines.slice(2)).toEqual([
      JSON.stringify([
        "podman",
        "build",
        "--platform",
        "linux/amd64",
        "--build-arg",
        "AGENTS=opencode",
        "--file",
        join(ROOT, "container/Dockerfile"),
        "--tag",
        `${REPO}:abc123`,
        "--tag",
        `${REPO}:latest`,
        join(ROOT, "dist/image"),
      ]),
      `${JSON.stringify(["aws", "ecr", "get-login-password", "--region", "eu-west-1"])} | ${JSON.stringify(["podman", "login", "--username", "AWS", "--password-stdin", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"])}`,
      JSON.stringify(["podman", "push", `${REPO}:abc123`]),
      JSON.stringify(["podman", "push", `${REPO}:latest`]),
    ]);
    expect(JSON.parse(lines[0] ?? "")).toEqual([
      process.execPath,
      "--import",
      "tsx",
      join(ROOT, "scripts/build-worker.ts"),
      "--outfile",
      join(ROOT, "dist/image/task.mjs"),
    ]);
    expect(lines[1]).toBe(`# copy ${worklog} to dist/image/worklog.tgz`);
    expect(calls()).toEqual([]);
  });

  it("--dry-run without an account shows the stack lookup and arm64 (serverless.yml's default)", async () => {
    const { stdout } = await image(
      ["--dry-run", "--stage", "ci", "--tag", "t1", "--worklog", worklog],
      pathWith(["docker"]),
    );
    const lines = stdout.trim().split("\n");
    expect(JSON.parse(lines[2] ?? "")).toEqual([
      "aws",
      "cloudformation",
      "describe-stacks",
      "--stack-name",
      "ampa-ci",
      "--region",
      "us-east-1",
      "--query",
      "Stacks[0].Outputs[?OutputKey=='WorkerRepositoryUri'].OutputValue",
      "--output",
      "text",
    ]);
    expect(lines[3]).toContain('"docker","build","--platform","linux/arm64"');
    expect(lines[3]).toContain('"<WorkerRepositoryUri of ampa-ci>:t1"');
  });

  it("builds the bundle and context, looks up the repository, logs in with the token on stdin, pushes both tags", async () => {
    const path = pathWith(["docker", "aws"]);
    const result = await image(
      ["--stage", "prod", "--region", "eu-west-1", "--tag", "abc123"].concat([
        "--worklog",
        worklog,
        "--worker-entry",
        entry,
      ]),
      path,
      { CONTAINER_DOUBLE_REPOSITORY: REPO },
    );
    expect(result.stdout).toContain(`pushed ${REPO}:abc123 and :latest`);
    expect(readFileSync(join(ROOT, "dist/image/worklog.tgz"), "utf8")).toBe("not really a tarball");
    // The agents' manifest, lockfile and selection script, as the Dockerfile COPYs them.
    for (const file of ["package.json", "package-lock.json", "select.mjs"])
      expect(readFileSync(join(ROOT, "dist/image/agents", file), "utf8")).toBe(
        readFileSync(join(ROOT, "deploy/agents", file), "utf8"),
      );
    expect(readFileSync(join(ROOT, "dist/image/task.mjs"), "utf8")).toContain("worker");
    const made = calls();
    expect(made.map((c) => `${c.program} ${c.argv.slice(0, 2).join(" ")}`)).toEqual([
      "aws cloudformation describe-stacks",
      "docker build --platform",
      "aws ecr get-login-password",
      "docker login --username",
      "docker push " + `${REPO}:abc123`,
      "docker push " + `${REPO}:latest`,
    ]);
    expect(made[3]).toMatchObject({ stdin: "ecr-token-123\n" });
  });

  it("passes the chosen agents as the AGENTS build arg: --agents, else AMPA_IMAGE_AGENTS, else opencode", async () => {
    rmSync(join(dir, "calls.jsonl"), { force: true });
    const path = pathWith(["docker"]);
    const buildArg = async (args: string[], env: Record<string, string> = {}) => {
      const { stdout } = await image(
        ["--dry-run", "--account", "123456789012", "--tag", "t", "--worklog", worklog, ...args],
        path,
        env,
      );
      const build = stdout
        .trim()
        .split("\n")
        .filter((line) => !line.startsWith("#"))
        .map((line) => JSON.parse(line.split(" | ").at(-1) ?? "null") as unknown)
        .find((argv): argv is string[] => Array.isArray(argv) && argv[1] === "build");
      return build?.[build.indexOf("--build-arg") + 1];
    };
    expect(await buildArg([])).toBe("AGENTS=opencode");
    expect(await buildArg(["--agents", "pi, claude,pi"])).toBe("AGENTS=pi,claude");
    expect(await buildArg([], { AMPA_IMAGE_AGENTS: "codex,gemini" })).toBe("AGENTS=codex,gemini");
    expect(await buildArg(["--agents", "claude"], { AMPA_IMAGE_AGENTS: "codex" })).toBe(
      "AGENTS=claude",
    );
    expect(calls()).toEqual([]);
  });

  it("stops at the first failing step and says which, pushing nothing", async () => {
    rmSync(join(dir, "calls.jsonl"), { force: true });
    const result = await image(
      ["--account", "123456789012", "--tag", "t", "--worklog", worklog, "--worker-entry", entry],
      pathWith(["docker", "aws"]),
      { CONTAINER_DOUBLE_FAIL: "docker build" },
    );
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toMatch(/^image: exited 3: \["docker","build"/m);
    expect(calls().map((c) => c.argv[0])).toEqual(["build"]);
  });

  it("refuses bad input with a clear message before running anything", async () => {
    rmSync(join(dir, "calls.jsonl"), { force: true });
    const path = pathWith(["docker", "aws"]);
    const cases: [string[], string][] = [
      [["--tag", "t"], "--worklog <package.tgz> is required"],
      [
        ["--tag", "t", "--worklog", worklog, "--stage", "prod; rm -rf /"],
        'invalid --stage "prod; rm -rf /"',
      ],
      [["--tag=-x", "--worklog", worklog], 'invalid --tag "-x"'],
      [["--tag", "t", "--worklog", worklog, "--account", "12"], 'invalid --account "12"'],
      [
        ["--tag", "t", "--worklog", worklog, "--agents", "pi,Casey"],
        'invalid --agents: unknown agent "Casey" (one of opencode, pi, claude, codex, gemini)',
      ],
      [
        ["--tag", "t", "--worklog", worklog, "--agents", "pi;rm -rf /"],
        'invalid --agents: unknown agent "pi;rm -rf /"',
      ],
      [
        ["--tag", "t", "--worklog", worklog, "--agents", " , "],
        "invalid --agents: name one or more",
      ],
      [
        ["--tag", "t", "--worklog", join(dir, "missing.tgz"), "--account", "123456789012"],
        "does not exist",
      ],
    ];
    for (const [args, message] of cases) {
      const result = await image(args, path);
      expect(result).toMatchObject({ code: 1 });
      expect(result.stderr).toContain(message);
    }
    const noEngine = await image(["--tag", "t", "--worklog", worklog], pathWith(["aws"]));
    expect(noEngine.stderr).toContain("neither docker nor podman is on PATH");
    expect(calls()).toEqual([]);
  });
});

describe("the agents the image installs (deploy/agents)", () => {
  const AGENTS_DIR = join(ROOT, "deploy/agents");
  const manifest = JSON.parse(readFileSync(join(AGENTS_DIR, "package.json"), "utf8")) as {
    ampaAgents: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(AGENTS_DIR, "package-lock.json"), "utf8")) as {
    packages: Record<
      string,
      { version?: string; integrity?: string; bin?: Record<string, string> }
    >;
  };

  it("every built-in profile's program comes from a package the lockfile pins, at an exact version", () => {
    expect(Object.keys(manifest.ampaAgents).sort()).toEqual([...AGENT_NAMES].sort());
    expect(Object.keys(manifest.dependencies).sort()).toEqual(
      Object.values(manifest.ampaAgents).sort(),
    );
    for (const name of AGENT_NAMES) {
      const pkg = manifest.ampaAgents[name] ?? "";
      const version = manifest.dependencies[pkg];
      expect({ name, version }).toEqual({
        name,
        version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      });
      const locked = lock.packages[`node_modules/${pkg}`];
      expect({ name, version: locked?.version, integrity: locked?.integrity }).toEqual({
        name,
        version,
        integrity: expect.stringMatching(/^sha512-/),
      });
      expect(Object.keys(locked?.bin ?? {})).toContain(BUILT_IN_AGENTS[name].program);
    }
  });

  it("the Dockerfile takes AGENTS (default opencode) and keeps just those, from the lockfile", () => {
    const dockerfile = readFileSync(join(ROOT, "container/Dockerfile"), "utf8");
    const lines = dockerfile.replace(/\\\n/g, " ").split("\n");
    expect(lines).toContain("ARG AGENTS=opencode");
    // What scripts/image.ts puts in the context is what the Dockerfile copies.
    const copied = lines
      .filter((l) => l.startsWith("COPY agents/"))
      .flatMap((l) => l.split(/\s+/).filter((w) => w.startsWith("agents/")));
    expect(copied.sort()).toEqual(AGENT_FILES.map((f) => `agents/${f}`).sort());
    const run = lines.find((l) => l.startsWith("RUN npm ci")) ?? "";
    const steps = [
      "npm ci --omit=dev",
      'node /tmp/select-agents.mjs keep "$AGENTS"',
      "npm prune --omit=dev --offline",
      'node /tmp/select-agents.mjs check "$AGENTS"',
    ];
    const at = steps.map((step) => run.indexOf(step));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  /** select.mjs run by node in `cwd`, which holds a copy of deploy/agents/package.json. */
  function select(cwd: string, ...args: string[]) {
    return run(process.execPath, [join(AGENTS_DIR, "select.mjs"), ...args], { cwd })
      .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
      .catch((err: unknown) => err as { code: number; stdout: string; stderr: string });
  }

  function installDir(): string {
    const cwd = mkdtempSync(join(dir, "agents-"));
    copyFileSync(join(AGENTS_DIR, "package.json"), join(cwd, "package.json"));
    return cwd;
  }

  it("keep: package.json's dependencies become the chosen agents' pinned packages; a name that is no agent changes nothing", async () => {
    const cwd = installDir();
    const before = readFileSync(join(cwd, "package.json"), "utf8");
    for (const list of ["pi,Casey", "", " , "]) {
      const refused = await select(cwd, "keep", list);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^select-agents: AGENTS[: ]/);
      expect(readFileSync(join(cwd, "package.json"), "utf8")).toBe(before);
    }
    expect((await select(cwd, "keep", "pi,Casey")).stderr).toBe(
      'select-agents: AGENTS: unknown agent "Casey": one of opencode, pi, claude, codex, gemini\n',
    );
    expect((await select(cwd, "keep", " claude, pi ,claude")).code).toBe(0);
    const kept = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")) as typeof manifest;
    expect(kept.dependencies).toEqual({
      "@anthropic-ai/claude-code": manifest.dependencies["@anthropic-ai/claude-code"],
      "@mariozechner/pi-coding-agent": manifest.dependencies["@mariozechner/pi-coding-agent"],
    });
    expect(kept.ampaAgents).toEqual(manifest.ampaAgents);
  });

  it("check: each chosen agent's programs are on node_modules/.bin, and no other agent is left", async () => {
    const cwd = installDir();
    /** A package as npm installs it: its manifest, and its bin linked and executable. */
    const installPackage = (pkg: string, bin: string, mode = 0o755) => {
      mkdirSync(join(cwd, "node_modules", pkg), { recursive: true });
      writeFileSync(
        join(cwd, "node_modules", pkg, "package.json"),
        JSON.stringify({ name: pkg, bin: { [bin]: "cli.js" } }),
      );
      mkdirSync(join(cwd, "node_modules/.bin"), { recursive: true });
      writeFileSync(join(cwd, "node_modules/.bin", bin), "#!/bin/sh\n");
      chmodSync(join(cwd, "node_modules/.bin", bin), mode);
    };
    installPackage("@anthropic-ai/claude-code", "claude");
    expect(await select(cwd, "check", "claude")).toMatchObject({
      code: 0,
      stdout: "agents: claude\n",
    });
    expect(await select(cwd, "check", "claude,codex")).toMatchObject({
      code: 1,
      stderr: "select-agents: agent codex: @openai/codex is not installed\n",
    });
    installPackage("opencode-ai", "opencode", 0o644);
    expect(await select(cwd, "check", "claude")).toMatchObject({
      code: 1,
      stderr: "select-agents: agent opencode (opencode-ai) is installed but not chosen\n",
    });
    expect(await select(cwd, "check", "claude,opencode")).toMatchObject({
      code: 1,
      stderr:
        "select-agents: agent opencode: node_modules/.bin/opencode is missing or not executable\n",
    });
  });
});
