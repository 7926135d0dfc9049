/** The ports of task runs: their workspace (a git clone) and run-time secrets. */

/**
 * The unprivileged user a task worker starts every program as (AMPA_AGENT_UID/GID): not
 * the worker's own, so agents cannot read its /proc/<pid>/environ nor write its files.
 */
export interface RunAs {
  uid: number;
  gid: number;
}

/** Shell, tool and clone requests: start as `runAs`; without it, as this process. */
export interface AsUser {
  runAs?: RunAs;
}

/** Where a run executes and what it adds to its environment. */
export interface Workspace {
  cwd: string;
  env: Readonly<Record<string, string>>;
}

/** Credentials of a task run, read at run time (SSM on AWS; nothing locally). */
export interface TaskSecrets {
  /** For https clones and pushes, and the run's GH_TOKEN. */
  gitToken?: string;
  /** Exported to the run, one variable per parameter. */
  env: Record<string, string>;
  /** Parameters left out, by name (never a value), and why. */
  warnings: string[];
}

/** Reads the task secrets; throws when they cannot be read (not when there are none). */
export type TaskSecretsSource = () => Promise<TaskSecrets>;

export interface GitCloneRequest extends AsUser {
  url: string;
  /** A branch or tag; undefined: the remote's default branch. */
  ref?: string;
  /** An existing empty directory to clone into. */
  dir: string;
  /** Environment git gets on top of the process's (the credentials, see authEnv). */
  env: Readonly<Record<string, string>>;
  timeoutMs: number;
}

export interface GitResult {
  ok: boolean;
  /** Why it failed: git's own stderr, cut short. */
  error?: string;
}

/** The git operations a workspace needs (adapters/process/git.ts). */
export interface Git {
  /** A shallow clone of one branch; never throws. */
  clone(req: GitCloneRequest): Promise<GitResult>;
  /**
   * Environment that lets git (and anything that runs git: wl sync, an agent's push)
   * authenticate to `url` with `token`, without the token in argv, a URL or .git/config.
   */
  authEnv(url: string, token: string | undefined): Record<string, string>;
}

/** Fresh directories for workspaces, and their removal. */
export interface ScratchDirs {
  /** A new empty directory of its own. */
  create(): Promise<string>;
  exists(path: string): Promise<boolean>;
  /** Removes the directory and everything in it; never throws. */
  remove(dir: string): Promise<void>;
}
