// Issue 19, items 1 (uid) and 11 (container): a task worker starts every program as the
// agent user (AMPA_AGENT_UID/GID), never as itself; the image is pinned and non-root.
// Real parts: the real task worker (src/handlers/task.ts, detached) against a real store,
// a real git clone, a real agent double (agent-probe.mjs) under the real shell runner.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { claimStored } from "../support/claims.js";
import { spec } from "../support/commands.js";
import { createTestTable, startTestServer } from "../support/store.js";
import {
  runRecorded,
  SHORT_LEASES,
  testWorkerDispatch,
  workerExit,
  workerOf,
} from "../support/task-workers.js";

const ROOT = process.cwd();
const PROBE = join(ROOT, "test/security/agent-probe.mjs");
const AGENT = 65534; // nobody
const isRoot = process.getuid?.() === 0;
const BRANCH = isRoot ? "root: switches to uid 65534" : "not root: cannot switch";
const FAKE = {
  AWS_ACCESS_KEY_ID: "AKIAFAKEAGENTUID0001",
  AWS_SECRET_ACCESS_KEY: "fake-secret-agent-uid-aws",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/fake-secret-agent-uid",
  // Not the webhook: a fake one would keep the worker retrying its post.
  GH_TOKEN: "fake-secret-agent-uid-gh",
};

/** A world-traversable scratch directory (mkdtemp makes 0700: the agent could not even look). */
function openDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** A directory anyone may create in, as /tmp (the unprivileged worker's scratch base). */
function sharedDir(): string {
  const dir = openDir("ampa-agent-shared-");
  chmodSync(dir, 0o1777);
  return dir;
}

/** A one-commit repository owned by `uid`, to clone by file:// URL. */
function repoOwnedBy(uid: number): string {
  const repo = join(openDir("ampa-agent-repo-"), "repo");
  mkdirSync(repo);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, "README"), "workspace\n");
  git("add", "README");
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
  execFileSync("chown", ["-R", `${uid}:${uid}`, repo]);
  return `file://${repo}`;
}

let server: EmbeddedStore;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

interface Probe {
  uid: number;
  gid: number;
  home: string;
  worker: number;
  workerUid: number;
  workerEnviron: string;
  readable: { pid: number; uid: number }[];
  writes: Record<string, string>;
  listings: Record<string, string>;
  workspaceWrite: string;
  homeWrite: string;
}

describe(`agent programs run as their own user (${BRANCH})`, () => {
  it("an agent started by a real task worker cannot read the worker's environment nor write its files, and owns its workspace", async () => {
    const t = await createTestTable(server.endpoint, SHORT_LEASES);
    const base = openDir("ampa-agent-uid-");
    const workersDir = join(base, "workers");
    const workerFile = join(base, "worker-file");
    writeFileSync(workerFile, "the worker's\n", { mode: 0o644 });
    const command = `${process.execPath} ${PROBE} ${workerFile} ${workersDir}`;
    await t.store.addCommand(spec("probe", { command, runtime: "task" }), Date.now());
    const { command: stored, claim } = await claimStored(t, "probe");
    const env = {
      ...FAKE,
      AMPA_AGENT_UID: String(AGENT),
      AMPA_WORKSPACE_REPO: repoOwnedBy(AGENT),
      AMPA_WORKSPACE_DIR: base,
    };
    await testWorkerDispatch(server.endpoint, t.tableName, workersDir, env)(stored, claim);
    const worker = await workerOf(workersDir, claim);
    const run = await runRecorded(t.store, "probe", claim.runId);
    await workerExit(worker);

    if (!isRoot) {
      // Not root (a laptop): the run fails with the reason; the probe never ran.
      expect(run.outcome).toBe("error");
      expect(run.output).toContain(`AMPA_AGENT_UID=${AGENT}`);
      expect(run.output).toMatch(/CAP_(CHOWN|SETUID)/);
      return;
    }
    expect(run.outcome, run.output).toBe("success");
    const probe = JSON.parse(run.output.trim().split("\n")[0] ?? "") as Probe;
    expect([probe.uid, probe.gid]).toEqual([AGENT, AGENT]);
    expect(probe.worker).toBe(worker.pid);
    expect(probe.workerUid).toBe(0);
    // The worker's environment (its credentials URI and secrets) is out of reach.
    expect(probe.workerEnviron).toBe("EACCES");
    // Every environment it could read is of its own processes.
    expect(probe.readable.length).toBeGreaterThan(0);
    expect(probe.readable.filter((p) => p.uid !== AGENT)).toEqual([]);
    // The worker's files and its directory: refused, every one.
    expect(Object.keys(probe.writes)).toContain(workerFile);
    // The workers' folder (records and logs) is 0700: not even listed
    // (adapters/private-files.ts), and nothing can be planted in it.
    expect(probe.listings[workersDir]).toBe("EACCES");
    expect(probe.writes[join(workersDir, "planted")]).toBe("EACCES");
    for (const [file, result] of Object.entries(probe.writes))
      expect([file, result]).toEqual([file, "EACCES"]);
    expect(readFileSync(workerFile, "utf8")).toBe("the worker's\n");
    // Its workspace (the clone) and its HOME are its own.
    expect(probe.workspaceWrite).toBe("ok");
    expect(probe.homeWrite).toBe("ok");
    expect(probe.home).toMatch(/ampa-agent-home-/);
  });

  it("a worker that may not switch users fails clearly and never runs the program as itself", async () => {
    // A worker-like process without privileges: as root, the test drops it to uid 65534
    // first (no capabilities left); otherwise it is this process's own user.
    const self = isRoot ? AGENT : (process.getuid?.() ?? 1000);
    const target = self === 65533 ? 65532 : 65533;
    const script = [
      'import { prepareAgent } from "./src/lib/runtime/agent-identity.ts";',
      'import { agentSetting } from "./src/lib/runtime/process-settings.ts";',
      'import { runTool } from "./src/lib/adapters/process/tool.ts";',
      `const agent = await prepareAgent(agentSetting({ AMPA_AGENT_UID: "${target}" }), "${sharedDir()}");`,
      `const tool = await runTool("sh", ["-c", "echo ran"], { cwd: "/", timeoutMs: 10000, runAs: { uid: ${target}, gid: ${target} } });`,
      "console.log(JSON.stringify({ error: agent.error, tool }));",
    ].join("\n");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: ROOT,
        env: { ...process.env, ...FAKE, HOME: "/tmp" },
        ...(isRoot ? { uid: AGENT, gid: AGENT } : {}),
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    expect(await new Promise((r) => child.once("exit", r))).toBe(0);
    const { error, tool } = JSON.parse(out) as {
      error?: string;
      tool: { exitCode?: number; stdout: string; stderr: string; missing: boolean };
    };
    expect(error).toContain(`AMPA_AGENT_UID=${target}`);
    expect(error).toMatch(/EPERM/);
    expect(tool.stdout).toBe("");
    expect(tool.exitCode).toBeUndefined();
    expect(tool.stderr).toContain(`as uid ${target}`);
    expect(tool.stderr).toContain("CAP_SETUID");
  });
});

describe("the worker image (container/Dockerfile, static: no Docker here)", () => {
  const dockerfile = readFileSync(join(ROOT, "container/Dockerfile"), "utf8");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((l) => l.trim() && !l.trim().startsWith("#"));

  it("pins its base image by digest", () => {
    const arg = instructions.find((l) => l.startsWith("ARG NODE_IMAGE="));
    expect(arg).toMatch(/^ARG NODE_IMAGE=node:22-bookworm-slim@sha256:[0-9a-f]{64}$/);
    for (const from of instructions.filter((l) => l.startsWith("FROM ")))
      expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}( AS \w+)?$/);
  });

  it("installs the agent tools with npm ci from the committed lockfile, nothing global or unpinned", () => {
    const run = instructions.filter((l) => l.startsWith("RUN ")).join("\n");
    expect(run).toMatch(/npm ci\b/);
    expect(run).not.toMatch(/npm (install|i) [^\n]*(--global|-g)\b/);
    expect(run).not.toMatch(/opencode-ai@/);
    // Pruning to the chosen agents never re-resolves: offline, from what npm ci installed.
    expect(run).toMatch(/npm prune [^\n]*--offline/);
    expect(instructions).toContain("COPY agents/package.json agents/package-lock.json ./");
    const lock = JSON.parse(readFileSync(join(ROOT, "deploy/agents/package-lock.json"), "utf8"));
    const manifest = JSON.parse(readFileSync(join(ROOT, "deploy/agents/package.json"), "utf8"));
    expect(lock.packages[""].dependencies).toEqual(manifest.dependencies);
    for (const pkg of Object.keys(manifest.dependencies))
      expect(lock.packages[`node_modules/${pkg}`].integrity).toMatch(/^sha512-/);
  });

  it("ends as a non-root user, with the agent user's uid as the image's AMPA_AGENT_UID", () => {
    const users = instructions.filter((l) => l.startsWith("USER "));
    expect(users.at(-1)).toMatch(/^USER (node|1000)$/);
    const agentUid = dockerfile.match(/useradd --uid (\d+)/)?.[1];
    expect(dockerfile).toMatch(new RegExp(`AMPA_AGENT_UID=${agentUid}\\b`));
    expect(agentUid).not.toBe("1000");
    expect(agentUid).not.toBe("0");
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/app\/node"/);
  });
});
