/**
 * The workspace of a task run: a fresh shallow clone of AMPA_WORKSPACE_REPO with the
 * Worklog data synced in before the run and out after it, the run-time secrets in its
 * environment, removed afterwards whatever happened. Without a repository the run keeps
 * AMPA_COMMAND_CWD (as function runs do), with the secrets but no clone and no sync.
 */
import type { Logger } from "../core/logger.js";
import type { Clock, Runner, ToolRunner } from "../core/ports.js";
import type {
  Git,
  ScratchDirs,
  TaskSecrets,
  TaskSecretsSource,
  Workspace,
} from "../core/task-ports.js";
import { redactSecrets } from "../core/secrets.js";

export interface WorkspaceDeps {
  secrets: TaskSecretsSource;
  git: Git;
  dirs: ScratchDirs;
  /** Runs `wl sync` (adapters/process/tool.ts). */
  runTool: ToolRunner;
  log: Logger;
  clock: Clock;
}

export interface WorkspaceOptions {
  /** AMPA_WORKSPACE_REPO; undefined: the run stays in `commandCwd`. */
  repo: string | undefined;
  /** AMPA_WORKSPACE_REF, a branch or tag; undefined: the remote's default branch. */
  ref: string | undefined;
  commandCwd: string;
  /** Epoch ms by which the run must be done: the clone and the first sync count against it. */
  deadline: number;
  /** Longest one `wl sync` may take (AMPA_WL_TIMEOUT_SECONDS). */
  syncTimeoutMs: number;
  /** Aborted (lease lost, shutdown): no sync after the run; the directory still goes. */
  signal?: AbortSignal;
}

/** The workspace could not be made ready: the run's program never started. */
export class WorkspaceError extends Error {
  constructor(message: string) {
    super(redactSecrets(message));
    this.name = "WorkspaceError";
  }
}

export interface WorkspaceOutcome<T> {
  value: T;
  /** What went wrong without failing the run (a refused parameter, the sync after it). */
  warnings: string[];
}

/** Stderr (else stdout) of a failed tool, its last part, where programs say what went wrong. */
const EXCERPT = 1000;

async function readSecrets(deps: WorkspaceDeps): Promise<TaskSecrets> {
  try {
    return await deps.secrets();
  } catch (err) {
    throw new WorkspaceError(err instanceof Error ? err.message : String(err));
  }
}

/** `wl sync` in the clone, with git's credentials; a short reason when it failed. */
async function wlSync(
  deps: WorkspaceDeps,
  cwd: string,
  auth: Record<string, string>,
  timeoutMs: number,
): Promise<string | undefined> {
  const result = await deps.runTool("wl", ["sync"], { cwd, timeoutMs, extraEnv: auth });
  if (result.exitCode === 0) return undefined;
  if (result.missing) return "wl is not on PATH";
  if (result.timedOut) return `timed out after ${timeoutMs} ms`;
  const said = (result.stderr.trim() || result.stdout.trim()).slice(-EXCERPT) || "no output";
  return `exit ${result.exitCode ?? "?"}: ${said}`;
}

/**
 * Runs `fn` in the workspace (see the module comment). A secrets read, clone or first
 * `wl sync` that fails throws a {@link WorkspaceError} with git's or wl's own words, and
 * `fn` never runs. A failed `wl sync` after the run is a warning: the run's own outcome
 * stands. The clone is removed when `fn` returns, throws or was aborted.
 */
export async function withWorkspace<T>(
  deps: WorkspaceDeps,
  opts: WorkspaceOptions,
  fn: (ws: Workspace) => Promise<T>,
): Promise<WorkspaceOutcome<T>> {
  const secrets = await readSecrets(deps);
  const warnings = [...secrets.warnings];
  for (const warning of secrets.warnings) deps.log.warn(warning);
  const runEnv = { ...secrets.env, ...(secrets.gitToken ? { GH_TOKEN: secrets.gitToken } : {}) };
  if (!opts.repo) return { value: await fn({ cwd: opts.commandCwd, env: runEnv }), warnings };

  const repo = opts.repo;
  const dir = await deps.dirs.create();
  const log = deps.log.child({ workspace: dir });
  try {
    if (opts.signal?.aborted) throw new WorkspaceError("Workspace: aborted before the clone");
    const auth = deps.git.authEnv(repo, secrets.gitToken);
    const started = deps.clock();
    const ref = opts.ref ? ` (${opts.ref})` : "";
    const timeoutMs = Math.max(opts.deadline - started, 1000);
    const cloned = await deps.git.clone({ url: repo, ref: opts.ref, dir, env: auth, timeoutMs });
    if (!cloned.ok)
      throw new WorkspaceError(`Workspace: could not clone ${repo}${ref}: ${cloned.error}`);
    log.info({ repo, ref: opts.ref, cloneMs: deps.clock() - started }, "workspace: cloned");
    const worklog = await deps.dirs.exists(`${dir}/.worklog`);
    const syncMs = () => Math.max(Math.min(opts.syncTimeoutMs, opts.deadline - deps.clock()), 1000);
    const before = worklog ? await wlSync(deps, dir, auth, syncMs()) : undefined;
    if (before) throw new WorkspaceError(`Workspace: wl sync before the run failed: ${before}`);
    const value = await fn({ cwd: dir, env: { ...runEnv, ...auth } });
    if (worklog) {
      // The run may have used all its time: the last sync gets its own full allowance.
      const after = opts.signal?.aborted
        ? "skipped: the run was aborted"
        : await wlSync(deps, dir, auth, opts.syncTimeoutMs);
      if (after) {
        const warning = redactSecrets(`wl sync after the run: ${after}`);
        log.warn(warning);
        warnings.push(warning);
      }
    }
    return { value, warnings };
  } finally {
    await deps.dirs.remove(dir);
    if (await deps.dirs.exists(dir)) log.warn("workspace: could not remove its directory");
  }
}

/** The workspace options of a run, from its configuration and deadline. */
export interface WorkspaceSettings {
  workspaceRepo: string | undefined;
  workspaceRef: string | undefined;
  commandCwd: string;
  wlTimeoutMs: number;
}

/**
 * `runner` run in a workspace (see {@link withWorkspace}): the workspace goes into its
 * context, the warnings at the end of its output (redacted when the run is recorded, as
 * every run's output is: app/run.ts redactedResult). A workspace that cannot be made ready throws: the run is recorded as an `error` with
 * the reason, as for any runner that cannot start its program.
 */
export function workspaceRunner(deps: WorkspaceDeps, runner: Runner): Runner {
  return async (command, ctx) => {
    const settings: WorkspaceSettings = ctx.config;
    const opts: WorkspaceOptions = {
      repo: settings.workspaceRepo,
      ref: settings.workspaceRef,
      commandCwd: settings.commandCwd,
      deadline: ctx.deadline,
      syncTimeoutMs: settings.wlTimeoutMs,
      signal: ctx.signal,
    };
    const { value, warnings } = await withWorkspace({ ...deps, log: ctx.log }, opts, (workspace) =>
      runner(command, { ...ctx, workspace }),
    );
    const notes = warnings.map((w) => `[ampa] ${w}`).join("\n");
    const output = notes ? `${value.output.replace(/\n*$/, "")}\n\n${notes}\n` : value.output;
    return { ...value, output };
  };
}
