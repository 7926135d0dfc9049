import type { ToolOptions, ToolResult, ToolRunner } from "../../core/ports.js";
import { describeFailure } from "./tool-failure.js";

/**
 * The Worklog adapter: every `wl` call by argv with a timeout, tolerant parsing of every
 * response shape in the contract (shared/contracts/worklog-cli.md), and a WorklogError
 * with a clear message for a missing binary, a timeout, a non-zero exit, a stderr JSON
 * error or invalid JSON.
 */

export interface WorkItem {
  id: string;
  title: string;
  description: string;
  status: string;
  stage: string;
  priority: string;
  assignee: string;
  /** Tags as wl stores them (`do-not-delegate` among them); non-strings dropped. */
  tags: string[];
  /** wl next's order (creation order unless re-sorted); 0 when absent. */
  sortIndex: number;
  createdAt: string;
  updatedAt: string;
  parentId: string | null;
  /** The item as wl returned it. */
  raw: Record<string, unknown>;
}

export interface WorkComment {
  id: string;
  author: string;
  comment: string;
  createdAt: string;
}

export interface NextCandidate {
  item: WorkItem;
  reason: string;
}

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

/** An outbound dependency edge of `wl dep list`: the item depends on this one. */
export interface Dependency {
  id: string;
  title: string;
  status: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : v == null ? "" : String(v));

/** A WorkItem from whatever object wl returned; undefined when it has no id. */
export function toWorkItem(v: unknown): WorkItem | undefined {
  if (!isRecord(v)) return undefined;
  const id = str(v.id).trim();
  if (!id) return undefined;
  return {
    id,
    title: str(v.title),
    description: str(v.description),
    status: str(v.status),
    stage: str(v.stage),
    priority: str(v.priority),
    assignee: str(v.assignee),
    tags: Array.isArray(v.tags) ? v.tags.filter((t): t is string => typeof t === "string") : [],
    sortIndex: typeof v.sortIndex === "number" && Number.isFinite(v.sortIndex) ? v.sortIndex : 0,
    createdAt: str(v.createdAt ?? v.created_at),
    updatedAt: str(v.updatedAt ?? v.updated_at),
    parentId: typeof v.parentId === "string" && v.parentId ? v.parentId : null,
    raw: v,
  };
}

const LIST_KEYS = ["workItems", "work_items", "items", "candidates", "results", "data"] as const;
const ONE_KEYS = ["workItem", "work_item", "item"] as const;

/**
 * Candidates with their reasons from any shape AMPA has seen: a bare list, a list under
 * one of LIST_KEYS (whose entries may be items or `{workItem, reason}` wrappers), or one
 * item under one of ONE_KEYS. `null` entries (older `wl next -n`) are dropped.
 */
export function parseCandidates(json: unknown): NextCandidate[] {
  const fromEntry = (entry: unknown, reason: string): NextCandidate[] => {
    if (!isRecord(entry)) return [];
    for (const key of ONE_KEYS) {
      if (key in entry) {
        const item = toWorkItem(entry[key]);
        return item ? [{ item, reason: str(entry.reason) || reason }] : [];
      }
    }
    const item = toWorkItem(entry);
    return item ? [{ item, reason: str(entry.reason) || reason }] : [];
  };
  if (Array.isArray(json)) return json.flatMap((e) => fromEntry(e, ""));
  if (!isRecord(json)) return [];
  const reason = str(json.reason);
  for (const key of LIST_KEYS) {
    const list = json[key];
    if (Array.isArray(list)) return list.flatMap((e) => fromEntry(e, reason));
    if (isRecord(list)) return parseCandidates(list);
  }
  for (const key of ONE_KEYS) {
    if (key in json) return fromEntry({ [key]: json[key], reason }, reason);
  }
  return [];
}

/** Work items from any list or single-item shape. */
export const parseItems = (json: unknown): WorkItem[] => parseCandidates(json).map((c) => c.item);

/** True when `json` has one of the shapes parseCandidates reads (checked in the same order). */
export function hasKnownShape(json: unknown): boolean {
  if (Array.isArray(json)) return true;
  if (!isRecord(json)) return false;
  for (const key of LIST_KEYS) {
    if (Array.isArray(json[key])) return true;
    if (isRecord(json[key])) return hasKnownShape(json[key]);
  }
  return ONE_KEYS.some((key) => key in json);
}

/** Entries of the list a response holds (1 for a single item, 0 for `workItem: null`). */
export function entryCount(json: unknown): number {
  if (Array.isArray(json)) return json.length;
  if (!isRecord(json)) return 0;
  for (const key of LIST_KEYS) {
    const list = json[key];
    if (Array.isArray(list)) return list.length;
    if (isRecord(list)) return entryCount(list);
  }
  return ONE_KEYS.some((key) => json[key] !== null && json[key] !== undefined) ? 1 : 0;
}

export function parseComments(json: unknown): WorkComment[] {
  const list = Array.isArray(json) ? json : isRecord(json) ? json.comments : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((c) => ({
    id: str(c.id),
    author: str(c.author),
    comment: str(c.comment ?? c.body),
    createdAt: str(c.createdAt ?? c.created_at),
  }));
}

/** The outbound edges of `wl dep list <id> --json` (what the item depends on). */
export function parseDependencies(json: unknown): Dependency[] {
  const list = isRecord(json) ? json.outbound : undefined;
  if (!Array.isArray(list)) return [];
  return list
    .filter(isRecord)
    .map((d) => ({ id: str(d.id), title: str(d.title), status: str(d.status) }))
    .filter((d) => d.id !== "");
}

/** The start of a JSON value for a message, quoted and escaped. */
const excerpt = (json: unknown): string => JSON.stringify(JSON.stringify(json).slice(0, 120));

export interface WorklogOptions {
  run: ToolRunner;
  cwd: string;
  timeoutMs: number;
  /** Laid over the process's environment (a workspace's secrets). */
  extraEnv?: Readonly<Record<string, string>>;
}

export class Worklog {
  constructor(private readonly opts: WorklogOptions) {}

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

  async next(count?: number): Promise<NextCandidate[]> {
    return parseCandidates(await this.listing(count ? ["next", "-n", String(count)] : ["next"]));
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
