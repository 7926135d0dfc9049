import type { ToolOptions, ToolResult, ToolRunner } from "../../core/ports.js";
import { describeFailure } from "./tool-failure.js";
import {
  entryCount,
  hasKnownShape,
  isRecord,
  parseCandidates,
  parseComments,
  parseDependencies,
  parseItems,
  parseStoredAudit,
  type StoredAudit,
  str,
  toWorkItem,
  type Dependency,
  type NextCandidate,
  type WorkComment,
  type WorkItem,
} from "./wl-parse.js";

// The parsed shapes live in wl-parse.ts; callers take them from here, with the adapter.
export * from "./wl-parse.js";

/**
 * The Worklog adapter: every `wl` call by argv with a timeout, tolerant parsing of every
 * response shape in the contract (shared/contracts/worklog-cli.md), and a WorklogError
 * with a clear message for a missing binary, a timeout, a non-zero exit, a stderr JSON
 * error or invalid JSON.
 */

export class WorklogError extends Error {
  override readonly name = "WorklogError";
  constructor(
    message: string,
    readonly result?: ToolResult,
  ) {
    super(message);
  }
}

/**
 * Worklog ids are `PREFIX-` plus base36 characters, upper case; `wl init` takes any
 * alphanumeric prefix of any length (`9LIVES-…`, 17 letters). Anything else is refused
 * before it reaches a program (it is passed as one argv element anyway): no dash first,
 * no spaces, quotes or shell characters, nothing over 200 characters.
 */
export const WORK_ITEM_ID_PATTERN = /^[A-Z0-9]+-[A-Z0-9]+$/;
const MAX_ID_LENGTH = 200;
export const isWorkItemId = (id: string): boolean =>
  id.length <= MAX_ID_LENGTH && WORK_ITEM_ID_PATTERN.test(id);

/** The start of a JSON value for a message, quoted and escaped. */
const excerpt = (json: unknown): string => JSON.stringify(JSON.stringify(json).slice(0, 120));

/**
 * What this `wl` can do beyond 0.0.1, read from its own help (never from a version
 * number: forks and builds differ). Detected once per Worklog instance, that is per run.
 */
export interface WorklogFeatures {
  /** `wl audit-set` and `wl audit-show` (Worklog from 2026-06). */
  auditRecords: boolean;
  /** `wl next --stage <stage>` (the `wl` upstream AMPA runs since April 2026). */
  nextStage: boolean;
}

/** Commander lists subcommands at the start of a help line: `  audit-set [options] <id>`. */
const listsCommand = (help: string, name: string): boolean =>
  new RegExp(`^\\s+${name}\\b`, "m").test(help);

export interface WorklogOptions {
  run: ToolRunner;
  cwd: string;
  timeoutMs: number;
  /** Laid over the process's environment (a workspace's secrets). */
  extraEnv?: Readonly<Record<string, string>>;
}

export class Worklog {
  private detected?: Promise<WorklogFeatures>;

  constructor(private readonly opts: WorklogOptions) {}

  /**
   * `wl --help` and `wl next --help`, once. A help that fails or says nothing we know
   * reads as 0.0.1: the older calls work on every `wl`.
   */
  features(): Promise<WorklogFeatures> {
    this.detected ??= (async () => {
      const help = async (args: string[]) => {
        const r = await this.opts.run("wl", args, this.toolOptions());
        return r.exitCode === 0 ? r.stdout : "";
      };
      const [top, next] = await Promise.all([help(["--help"]), help(["next", "--help"])]);
      return {
        auditRecords: listsCommand(top, "audit-set") && listsCommand(top, "audit-show"),
        nextStage: /(^|\s)--stage\b/m.test(next),
      };
    })();
    return this.detected;
  }

  private toolOptions(): ToolOptions {
    const { cwd, timeoutMs, extraEnv } = this.opts;
    return { cwd, timeoutMs, ...(extraEnv ? { extraEnv } : {}) };
  }

  /** Runs `wl <args>`; throws WorklogError unless it exited 0. Returns stdout. */
  async text(args: readonly string[]): Promise<string> {
    const result = await this.opts.run("wl", args, this.toolOptions());
    // Only the subcommand: ids and comment text are untrusted and may be long.
    const what = `wl ${args[0] === "comment" ? `comment ${args[1] ?? ""}` : (args[0] ?? "")}`;
    if (result.missing) throw new WorklogError("wl is not on PATH", result);
    if (result.timedOut)
      throw new WorklogError(`${what} timed out after ${this.opts.timeoutMs} ms`, result);
    if (result.exitCode !== 0) {
      throw new WorklogError(`${what} failed: ${errorMessage(result)}`, result);
    }
    return result.stdout;
  }

  /** Runs `wl <args> --json` and parses stdout; `{success:false}` is an error too. */
  async json(args: readonly string[]): Promise<unknown> {
    const full = [...args, "--json"];
    const stdout = await this.text(full);
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdout);
    } catch {
      throw new WorklogError(
        `wl ${args[0] ?? ""} returned invalid JSON: ${JSON.stringify(stdout.slice(0, 120))}`,
      );
    }
    if (isRecord(parsed) && parsed.success === false) {
      throw new WorklogError(`wl ${args[0] ?? ""} failed: ${str(parsed.error) || "unknown error"}`);
    }
    return parsed;
  }

  /**
   * `wl <args> --json` that must answer with work items. A shape none of the known ones
   * is an error, not "no items": read as empty, `in_progress` would let live delegation
   * dispatch new work while something is in progress.
   */
  private async listing(args: readonly string[]): Promise<unknown> {
    const json = await this.json(args);
    if (!hasKnownShape(json))
      throw new WorklogError(`wl ${args[0]} returned JSON of an unknown shape: ${excerpt(json)}`);
    return json;
  }

  /** Work items of a listing; with `every`, an entry that is not a work item is an error too. */
  private async items(args: readonly string[], every: boolean): Promise<WorkItem[]> {
    const json = await this.listing(args);
    const items = parseItems(json);
    const unreadable = entryCount(json) - items.length;
    if (every && unreadable > 0)
      throw new WorklogError(
        `wl ${args[0]} returned ${unreadable} ${unreadable === 1 ? "entry that is not a work item" : "entries that are not work items"}: ${excerpt(json)}`,
      );
    return items;
  }

  /** `wl in_progress --json`, retried once before giving up. */
  async inProgress(): Promise<WorkItem[]> {
    try {
      return await this.items(["in_progress"], true);
    } catch {
      return this.items(["in_progress"], true);
    }
  }

  /** `wl next [-n N] [--stage S]`; `stage` only where features().nextStage. */
  async next(count?: number, stage?: string): Promise<NextCandidate[]> {
    const args = [
      "next",
      ...(count ? ["-n", String(count)] : []),
      ...(stage ? ["--stage", stage] : []),
    ];
    return parseCandidates(await this.listing(args));
  }

  async listByStatus(status: string): Promise<WorkItem[]> {
    return this.items(["list", "--status", status], true);
  }

  /** `wl list` with filters (each value one argv element). */
  async list(filters: { status?: string; stage?: string; assignee?: string }): Promise<WorkItem[]> {
    const args = ["list"];
    if (filters.status) args.push("--status", filters.status);
    if (filters.stage) args.push("--stage", filters.stage);
    if (filters.assignee) args.push("--assignee", filters.assignee);
    return this.items(args, true);
  }

  /** What the item depends on (`wl dep list <id> --json`, outbound edges). */
  async dependencies(id: string): Promise<Dependency[]> {
    const json = await this.json(["dep", "list", id]);
    if (!isRecord(json) || !Array.isArray(json.outbound))
      throw new WorklogError(`wl dep list returned JSON of an unknown shape: ${excerpt(json)}`);
    return parseDependencies(json);
  }

  /** `wl update <id>` with only the fields given (an empty assignee clears it). */
  async updateFields(
    id: string,
    fields: { status?: string; stage?: string; assignee?: string; tags?: readonly string[] },
  ): Promise<void> {
    const args = ["update", id];
    if (fields.status !== undefined) args.push("--status", fields.status);
    if (fields.stage !== undefined) args.push("--stage", fields.stage);
    if (fields.assignee !== undefined) args.push("--assignee", fields.assignee);
    // wl replaces the tags with the comma-separated list (a tag cannot hold a comma).
    if (fields.tags !== undefined) {
      if (fields.tags.length === 0 || fields.tags.some((t) => t.includes(",")))
        throw new WorklogError(
          `cannot write the tags of ${id}: wl takes a non-empty comma-separated list`,
        );
      args.push("--tags", fields.tags.join(","));
    }
    await this.json(args);
  }

  async show(
    id: string,
    opts: { children?: boolean } = {},
  ): Promise<{ item: WorkItem; comments: WorkComment[]; children: WorkItem[] }> {
    const json = await this.json(["show", id, ...(opts.children ? ["-c"] : [])]);
    const item = parseItems(json)[0];
    if (!item) throw new WorklogError(`wl show ${id} returned no work item`);
    const children = isRecord(json) && Array.isArray(json.children) ? json.children : [];
    return {
      item,
      comments: parseComments(json),
      children: children.map(toWorkItem).filter((c): c is WorkItem => c !== undefined),
    };
  }

  async comments(id: string): Promise<WorkComment[]> {
    return parseComments(await this.json(["comment", "list", id]));
  }

  async addComment(id: string, text: string, author: string): Promise<void> {
    await this.json(["comment", "add", id, "--comment", text, "--author", author]);
  }

  async update(id: string, status: string, stage: string): Promise<void> {
    await this.json(["update", id, "--status", status, "--stage", stage]);
  }

  /** `wl update <id> --needs-producer-review true|false` (every Worklog has it). */
  async setNeedsProducerReview(id: string, on: boolean): Promise<void> {
    await this.json(["update", id, "--needs-producer-review", String(on)]);
  }

  /** The item's stored audit (`wl audit-show`); only where features().auditRecords. */
  async auditShow(id: string): Promise<StoredAudit | undefined> {
    return parseStoredAudit(await this.json(["audit-show", id]));
  }

  /** Stores an audit (`wl audit-set`); only where features().auditRecords. */
  async auditSet(
    id: string,
    audit: { readyToClose: boolean; summary: string; rawOutput: string },
  ): Promise<void> {
    await this.json([
      "audit-set",
      id,
      "--ready-to-close",
      audit.readyToClose ? "yes" : "no",
      "--summary",
      audit.summary,
      "--raw-output",
      audit.rawOutput,
    ]);
  }
}

/** The error text of a failed wl run: the JSON `error` (stderr or stdout), else stderr. */
function errorMessage(result: ToolResult): string {
  for (const stream of [result.stderr, result.stdout]) {
    try {
      const parsed: unknown = JSON.parse(stream);
      if (isRecord(parsed) && typeof parsed.error === "string") return parsed.error;
    } catch {
      // Not JSON.
    }
  }
  return describeFailure(result);
}
