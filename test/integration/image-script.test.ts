import { execFile } from "node:child_process";
import {
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
