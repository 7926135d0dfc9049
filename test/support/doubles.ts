import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach } from "vitest";

const DOUBLES = resolve(import.meta.dirname, "../doubles");

/** AMPA_CHILD_ENV_PASSTHROUGH for tests: the variable the doubles read their state from. */
export const DOUBLES_PASSTHROUGH = "AMPA_DOUBLES_DIR";

export interface Call {
  program: string;
  argv: string[];
  cwd: string;
}

export interface WlFixture {
  initialized?: boolean;
  items?: Record<string, unknown>[];
  /** Work item id → comments, oldest first. */
  comments?: Record<string, Record<string, unknown>[]>;
  /** Dependency edges (`wl dep add`): fromId depends on toId. */
  deps?: { fromId: string; toId: string }[];
  /** Ids `wl next` returns, in order (default: Worklog's selection, by sortIndex). */
  next?: string[];
  /** Exact argv (joined by spaces) → scripted response(s); "fallthrough" uses the state. */
  overrides?: Record<string, unknown>;
  /** "newer": the later Worklog the contract knows (Feb-2026 next, audit-set/-show, input_needed). */
  mode?: "0.0.1" | "newer";
  /** Status → allowed stages; "built-in" is Worklog's own default (in-progress only at in_progress). */
  pairs?: "built-in" | Record<string, string[]>;
  /** Stored audits (`wl audit-set`), by item id. */
  audits?: Record<string, Record<string, unknown>>;
}

export interface Doubles {
  /** Temp dir holding fixtures and calls.jsonl; also the commands' working directory. */
  dir: string;
  bin: string;
  /** Environment for a child process (the CLI) or for process.env in-process. */
  env: Record<string, string>;
  calls(): Call[];
  wlState(): Required<Pick<WlFixture, "items" | "comments">> & WlFixture;
  /** Replaces the wl double's state, as a person's edits between runs would. */
  setWlState(state: WlFixture): void;
}

/** A work item in the contract's shape; fields overridable. */
export function workItem(
  fields: Record<string, unknown> & { id: string },
): Record<string, unknown> {
  return {
    title: `Item ${fields.id}`,
    description: "",
    status: "open",
    priority: "medium",
    sortIndex: 100,
    parentId: null,
    createdAt: "2026-02-10T18:04:07.189Z",
    updatedAt: "2026-02-10T18:04:07.189Z",
    tags: [],
    assignee: "",
    stage: "idea",
    issueType: "",
    createdBy: "",
    deletedBy: "",
    deleteReason: "",
    risk: "",
    effort: "",
    needsProducerReview: false,
    ...fields,
  };
}

/** A description that passes the context and acceptance-criteria checks. */
export const DELEGABLE_DESCRIPTION = [
  "Users cannot log in after the session cookie expires; the login form posts but the",
  "server answers 401 until the browser is restarted.",
  "",
  "Acceptance criteria:",
  "- [ ] an expired session redirects to the login form",
  "- [ ] logging in again works without a restart",
].join("\n");

/** A work item that passes every delegation check (an open idea by default). */
export const delegable = (fields: Record<string, unknown> & { id: string }) =>
  workItem({ description: DELEGABLE_DESCRIPTION, ...fields });

/** The coding agents, all one double (test/doubles/agent.mjs) told apart by AGENT_DOUBLE_NAME. */
export const AGENT_DOUBLES = ["opencode", "pi", "claude", "codex", "gemini"] as const;
export type AgentDouble = (typeof AGENT_DOUBLES)[number];

/** A response of an agent double (test/doubles/agent.mjs): its final message, usage, failure. */
export interface AgentResponse {
  prefix?: string;
  stdout?: string;
  stderr?: string;
  exit?: number;
  /** A failure reported in the agent's own output format. */
  error?: string;
  usage?: { input?: number; output?: number; cost?: number };
  /** A broken JSON line before the answer. */
  malformed?: boolean;
  /** Stdout written as is, instead of the rendered answer. */
  raw?: string;
  sleepMs?: number;
  wl?: string[][];
}

export interface AgentFixture {
  responses?: AgentResponse[];
  default?: AgentResponse;
}

/**
 * Executable `wl`, the agents (`opencode`, `pi`, `claude`, `codex`, `gemini`), `gh` (and a
 * `curl` that must never run) in a fresh bin dir, backed by fixtures in a temp dir. PATH
 * holds only that bin dir and node's, so nothing from the host can answer instead.
 */
export function createDoubles(
  fixtures: { wl?: WlFixture; gh?: unknown } & Partial<Record<AgentDouble, AgentFixture>>,
  opts: { omit?: string[] } = {},
): Doubles {
  const dir = mkdtempSync(join(tmpdir(), "ampa-doubles-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const program of ["wl", "gh", "curl", ...AGENT_DOUBLES]) {
    if (opts.omit?.includes(program)) continue;
    const agent = (AGENT_DOUBLES as readonly string[]).includes(program);
    const script = join(DOUBLES, agent ? "agent.mjs" : `${program}.mjs`);
    const file = join(bin, program);
    // The agent's name is set here, after AMPA's allowlisted environment was built.
    const env = agent ? `AGENT_DOUBLE_NAME=${program} ` : "";
    writeFileSync(file, `#!/bin/sh\n${env}exec "${process.execPath}" "${script}" "$@"\n`);
    chmodSync(file, 0o755);
  }
  writeFileSync(join(dir, "wl.json"), JSON.stringify(fixtures.wl ?? { items: [] }));
  for (const agent of AGENT_DOUBLES)
    if (fixtures[agent]) writeFileSync(join(dir, `${agent}.json`), JSON.stringify(fixtures[agent]));
  if (fixtures.gh) writeFileSync(join(dir, "gh.json"), JSON.stringify(fixtures.gh));
  const env = {
    AMPA_DOUBLES_DIR: dir,
    // Programs get an allowlisted environment: the doubles find their state by this name.
    AMPA_CHILD_ENV_PASSTHROUGH: DOUBLES_PASSTHROUGH,
    PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
    AMPA_COMMAND_CWD: dir,
  };
  return {
    dir,
    bin,
    env,
    calls: () => {
      const file = join(dir, "calls.jsonl");
      if (!existsSync(file)) return [];
      return readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Call);
    },
    wlState: () => ({
      items: [],
      comments: {},
      ...(JSON.parse(readFileSync(join(dir, "wl.json"), "utf8")) as WlFixture),
    }),
    setWlState: (state) => writeFileSync(join(dir, "wl.json"), JSON.stringify(state)),
  };
}

/** The argv of each call the doubles recorded for one program, in order. */
export function argvOf(d: Doubles, program: string): string[][] {
  return d
    .calls()
    .filter((c) => c.program === program)
    .map((c) => c.argv);
}

/**
 * For code under test that runs wl, opencode or gh in this process (the tool runner draws
 * their environment from this process's): returns a function that puts a set of doubles
 * on PATH and lets AMPA_DOUBLES_DIR through to them, and registers an afterEach that puts
 * the variables back as they were.
 */
export function doublesOnPath(): (d: Doubles) => void {
  const names = ["PATH", "AMPA_DOUBLES_DIR", "AMPA_CHILD_ENV_PASSTHROUGH"] as const;
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  afterEach(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  return (d) => {
    process.env.PATH = d.env.PATH;
    process.env.AMPA_DOUBLES_DIR = d.dir;
    process.env.AMPA_CHILD_ENV_PASSTHROUGH = DOUBLES_PASSTHROUGH;
  };
}

/** Files an injected command would have created: PWNED anywhere in the doubles dir or cwd. */
export function pwnedFiles(d: Doubles): string[] {
  return [d.dir, process.cwd()].flatMap((where) =>
    readdirSync(where)
      .filter((name) => name.includes("PWNED"))
      .map((n) => join(where, n)),
  );
}
