// `npm run image -- --worklog <worklog.tgz> [--agents pi,claude] [--stage prod]
// [--region eu-west-1] [--dry-run]`: builds the task worker's container image
// (container/Dockerfile) and pushes it to the stack's ECR repository (deploy/task.yml),
// tagged with the git commit and `latest`, which the task definition runs. The image
// installs the agents --agents names (else AMPA_IMAGE_AGENTS, else opencode) from
// deploy/agents/package-lock.json (the Dockerfile's AGENTS build arg). Steps, each an argv
// (never a shell string):
//   1. the worker bundle (scripts/build-worker.ts), the Worklog package and deploy/agents
//      into dist/image/, the build context (small: not the project with its node_modules);
//   2. the repository URI: --repository, else from --account, else the stack's output;
//   3. docker or podman (whichever is on PATH) build for the `architecture` param's platform;
//   4. the registry login (aws ecr get-login-password piped into `<engine> login`) and push.
// --dry-run prints each argv as a JSON array (a pipe as `A | B`) and runs nothing.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { delimiter, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { AGENT_NAMES } from "../src/lib/app/agents/profiles.js";

const ROOT = resolve(import.meta.dirname, "..");
const CONTEXT = join(ROOT, "dist/image");
/** The agents' manifest, lockfile and selection script (deploy/agents), for the Dockerfile. */
export const AGENT_FILES = ["package.json", "package-lock.json", "select.mjs"] as const;
/** The agents an image installs when neither --agents nor AMPA_IMAGE_AGENTS names any. */
export const DEFAULT_IMAGE_AGENTS = "opencode";

export interface ImageOptions {
  stage: string;
  region: string;
  architecture: "arm64" | "x86_64";
  /** The repository URI; else built from `account`; else looked up in the stack's outputs. */
  repository?: string | undefined;
  account?: string | undefined;
  tag: string;
  engine: string;
  /** Worklog as an npm package tarball (it is not on the npm registry). */
  worklog: string;
  /** The worker's entry module (src/handlers/task.ts unless a test stands in for it). */
  workerEntry?: string | undefined;
  /** The agent profiles whose CLIs the image installs (the Dockerfile's AGENTS). */
  agents: string[];
}

/** One program run; `stdinFrom` runs first and its output is this one's input. */
export interface Step {
  argv: string[];
  stdinFrom?: string[];
}

const PATTERNS = {
  stage: /^[A-Za-z0-9-]{1,32}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  account: /^\d{12}$/,
  tag: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
  repository: /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+$/,
};

/** Checks every value that ends up in an argv; throws naming the first bad one. */
export function checkOptions(opts: ImageOptions): void {
  for (const key of ["stage", "region", "tag"] as const)
    if (!PATTERNS[key].test(opts[key]))
      throw new Error(`invalid --${key} ${JSON.stringify(opts[key])}`);
  if (opts.account !== undefined && !PATTERNS.account.test(opts.account))
    throw new Error(`invalid --account ${JSON.stringify(opts.account)} (12 digits)`);
  if (opts.repository !== undefined && !PATTERNS.repository.test(opts.repository))
    throw new Error(`invalid --repository ${JSON.stringify(opts.repository)} (an ECR URI)`);
  if (!["arm64", "x86_64"].includes(opts.architecture))
    throw new Error(
      `invalid --architecture ${JSON.stringify(opts.architecture)} (arm64 or x86_64)`,
    );
  const known = AGENT_NAMES.join(", ");
  if (opts.agents.length === 0) throw new Error(`invalid --agents: name one or more of ${known}`);
  for (const agent of opts.agents)
    if (!(AGENT_NAMES as string[]).includes(agent))
      throw new Error(`invalid --agents: unknown agent ${JSON.stringify(agent)} (one of ${known})`);
}

/** `pi, claude,` as the agents it names: ["pi", "claude"], each once. */
export function agentList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
    ),
  ];
}

/** The stack's WorkerRepositoryUri output (deploy/task.yml). */
export function repositoryLookup(opts: Pick<ImageOptions, "stage" | "region">): string[] {
  return [
    "aws",
    "cloudformation",
    "describe-stacks",
    "--stack-name",
    `ampa-${opts.stage}`,
    "--region",
    opts.region,
    "--query",
    "Stacks[0].Outputs[?OutputKey=='WorkerRepositoryUri'].OutputValue",
    "--output",
    "text",
  ];
}

/** The repository URI when it needs no lookup. */
export function knownRepository(opts: ImageOptions): string | undefined {
  if (opts.repository) return opts.repository;
  if (!opts.account) return undefined;
  const suffix = opts.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `${opts.account}.dkr.ecr.${opts.region}.${suffix}/ampa-${opts.stage}-worker`;
}

/** Build, login and push, for a known repository URI. */
export function pushSteps(opts: ImageOptions, repository: string): Step[] {
  const registry = repository.slice(0, repository.indexOf("/"));
  const platform = opts.architecture === "arm64" ? "linux/arm64" : "linux/amd64";
  const tags = [...new Set([opts.tag, "latest"])].map((t) => `${repository}:${t}`);
  return [
    {
      argv: [
        opts.engine,
        "build",
        "--platform",
        platform,
        "--build-arg",
        `AGENTS=${opts.agents.join(",")}`,
        "--file",
        join(ROOT, "container/Dockerfile"),
        ...tags.flatMap((t) => ["--tag", t]),
        CONTEXT,
      ],
    },
    {
      stdinFrom: ["aws", "ecr", "get-login-password", "--region", opts.region],
      argv: [opts.engine, "login", "--username", "AWS", "--password-stdin", registry],
    },
    ...tags.map((t) => ({ argv: [opts.engine, "push", t] })),
  ];
}

/** The worker bundle, built into the image's build context. */
export function bundleStep(opts: ImageOptions): Step {
  const entry = opts.workerEntry ? ["--entry", resolve(opts.workerEntry)] : [];
  return {
    argv: [
      process.execPath,
      "--import",
      "tsx",
      join(ROOT, "scripts/build-worker.ts"),
      ...entry,
      "--outfile",
      join(CONTEXT, "task.mjs"),
    ],
  };
}

/** The first of docker or podman on `path`, else undefined. */
export function findEngine(path: string | undefined): string | undefined {
  for (const engine of ["docker", "podman"])
    for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
      try {
        accessSync(join(dir, engine), constants.X_OK);
        return engine;
      } catch {
        // not in this directory
      }
    }
  return undefined;
}

/** The `architecture` param's default in serverless.yml (the functions' and the task's). */
export function defaultArchitecture(): string {
  const yml = readFileSync(join(ROOT, "serverless.yml"), "utf8");
  return /^\s+architecture:\s*(\S+)\s*$/m.exec(yml)?.[1] ?? "arm64";
}

export const describeStep = (step: Step): string =>
  (step.stdinFrom ? `${JSON.stringify(step.stdinFrom)} | ` : "") + JSON.stringify(step.argv);

/** Runs one step with inherited output; resolves to its stdout when `capture`. */
function runStep(step: Step, capture = false): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const [program = "", ...args] = step.argv;
    const child = spawn(program, args, {
      stdio: [step.stdinFrom ? "pipe" : "ignore", capture ? "pipe" : "inherit", "inherit"],
    });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const failed = (what: string) => reject(new Error(`${what}: ${describeStep(step)}`));
    if (step.stdinFrom) {
      const [from = "", ...fromArgs] = step.stdinFrom;
      const source = spawn(from, fromArgs, { stdio: ["ignore", "pipe", "inherit"] });
      if (child.stdin) source.stdout.pipe(child.stdin);
      source.on("error", (err) => failed(`could not run ${from} (${err.message})`));
      source.on("close", (code) => code !== 0 && failed(`${from} exited ${code}`));
    }
    child.on("error", (err) => failed(`could not run ${program} (${err.message})`));
    child.on("close", (code) => (code === 0 ? resolvePromise(out) : failed(`exited ${code}`)));
  });
}

/** Builds and pushes the image, or with `dryRun` prints what it would run. */
export async function image(
  opts: ImageOptions,
  dryRun: boolean,
  print = console.log,
): Promise<void> {
  checkOptions(opts);
  const bundle = bundleStep(opts);
  const worklogCopy = join(CONTEXT, "worklog.tgz");
  let repository = knownRepository(opts);
  const lookup = repositoryLookup(opts);
  if (dryRun) {
    print(describeStep(bundle));
    print(`# copy ${opts.worklog} to ${relative(ROOT, worklogCopy)}`);
    if (!repository) print(describeStep({ argv: lookup }));
    const steps = pushSteps(opts, repository ?? `<WorkerRepositoryUri of ampa-${opts.stage}>`);
    for (const step of steps) print(describeStep(step));
    return;
  }
  if (!existsSync(opts.worklog)) throw new Error(`--worklog ${opts.worklog} does not exist`);
  await runStep(bundle);
  mkdirSync(CONTEXT, { recursive: true });
  copyFileSync(opts.worklog, worklogCopy);
  // The agents' manifest, lockfile and selection, for the Dockerfile's `npm ci` and prune.
  mkdirSync(join(CONTEXT, "agents"), { recursive: true });
  for (const file of AGENT_FILES)
    copyFileSync(join(ROOT, "deploy/agents", file), join(CONTEXT, "agents", file));
  repository ??= (await runStep({ argv: lookup }, true)).trim();
  if (!PATTERNS.repository.test(repository))
    throw new Error(
      `the stack ampa-${opts.stage} has no WorkerRepositoryUri output (deploy it first)`,
    );
  for (const step of pushSteps(opts, repository)) await runStep(step);
  print(`pushed ${repository}:${opts.tag} and :latest`);
}

function gitCommit(): string | undefined {
  const res = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/** Options from the command line and the environment (AWS_REGION, AMPA_IMAGE_AGENTS, PATH). */
export function optionsFromArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { opts: ImageOptions; dryRun: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      stage: { type: "string", default: "dev" },
      region: { type: "string" },
      architecture: { type: "string" },
      repository: { type: "string" },
      account: { type: "string" },
      tag: { type: "string" },
      engine: { type: "string" },
      worklog: { type: "string" },
      agents: { type: "string" },
      "worker-entry": { type: "string" },
      "dry-run": { type: "boolean", default: false },
    },
  });
  const dryRun = values["dry-run"];
  if (!values.worklog)
    throw new Error("--worklog <package.tgz> is required: Worklog's wl, as an npm package tarball");
  const engine = values.engine ?? findEngine(env.PATH) ?? (dryRun ? "docker" : undefined);
  if (!engine) throw new Error("neither docker nor podman is on PATH (or pass --engine)");
  const tag = values.tag ?? gitCommit();
  if (!tag) throw new Error("no git commit to tag the image with: pass --tag");
  return {
    dryRun,
    opts: {
      stage: values.stage,
      region: values.region ?? env.AWS_REGION ?? "us-east-1",
      architecture: (values.architecture ?? defaultArchitecture()) as ImageOptions["architecture"],
      repository: values.repository,
      account: values.account,
      tag,
      engine,
      worklog: resolve(values.worklog),
      workerEntry: values["worker-entry"],
      agents: agentList(values.agents ?? env.AMPA_IMAGE_AGENTS ?? DEFAULT_IMAGE_AGENTS),
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const { opts, dryRun } = optionsFromArgs(process.argv.slice(2), process.env);
    await image(opts, dryRun);
  } catch (err) {
    console.error(`image: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
