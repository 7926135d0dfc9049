/**
 * Tolerant parsing of every `wl --json` response shape in the contract
 * (shared/contracts/worklog-cli.md): what is not understood is dropped, never guessed. Pure.
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

/** An outbound dependency edge of `wl dep list`: the item depends on this one. */
export interface Dependency {
  id: string;
  title: string;
  status: string;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
export const str = (v: unknown): string => (typeof v === "string" ? v : v == null ? "" : String(v));

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

/** An audit as `wl audit-show <id> --json` returns it (the newer Worklog). */
export interface StoredAudit {
  /** ISO time; "" when wl gave none. */
  auditedAt: string;
  readyToClose: boolean | undefined;
  summary: string;
  rawOutput: string;
}

/** `{success, audit: {...} | null}` → the audit, or undefined when there is none. */
export function parseStoredAudit(json: unknown): StoredAudit | undefined {
  const audit = isRecord(json) ? json.audit : undefined;
  if (!isRecord(audit)) return undefined;
  return {
    auditedAt: str(audit.auditedAt),
    readyToClose: typeof audit.readyToClose === "boolean" ? audit.readyToClose : undefined,
    summary: str(audit.summary),
    rawOutput: str(audit.rawOutput),
  };
}
