import type { ServerResponse } from "node:http";
import type { Command } from "../../lib/core/command.js";
import type { App } from "../../lib/runtime/app.js";

/**
 * Live updates for the page (server-sent events): while at least one page listens, the
 * store is read every WATCH_MS and each listener is told when what it shows may have
 * changed. The page then fetches the changed sections (the versioned refresh).
 */

/** How often the store is read while a page listens: a run's end shows within a second. */
export const WATCH_MS = 500;
/** A comment on an idle stream this often, so a dead connection is found and closed. */
const KEEPALIVE_MS = 15_000;
/** How long the browser waits before it reconnects a dropped stream. */
const RETRY_MS = 2_000;

/** What changes on a command's item when a run starts, ends or renews, or it is paused. */
const commandState = (c: Command) =>
  [c.id, c.lastRunId, c.leaseRunId, c.lastStartAt, c.lastEndAt, c.leaseRenewals, c.paused]
    .map((v) => String(v ?? ""))
    .join("|");

/**
 * A string that changes whenever a run starts, ends or renews its lease, or a command is
 * added, removed, paused or resumed: one paged Query of the command items, nothing else.
 */
export async function storeFingerprint(app: App): Promise<string> {
  const { commands, corrupt } = await app.store.listCommands();
  return [...commands.map(commandState), `corrupt:${corrupt.length}`].join("\n");
}

/**
 * `ready` once the feed watches for the listener (changes from then on are events: the
 * page refreshes then, for what changed before), then `change` after each change.
 */
type Listener = (kind: "ready" | "change", version: number) => void;

/**
 * Watches a fingerprint while anyone listens. The watch is a chain of timeouts (a slow
 * read never overlaps the next) that stops when the last listener leaves, so a closed tab
 * leaves no timer behind.
 */
export class ChangeFeed {
  private readonly listeners = new Set<Listener>();
  /** Listeners told nothing yet: ready after the next read. */
  private readonly joining = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  private version = 0;
  private closed = false;
  /** Bumped by every stop: a read that was in flight then schedules nothing. */
  private generation = 0;

  constructor(
    private readonly fingerprint: () => Promise<string>,
    private readonly intervalMs = WATCH_MS,
  ) {}

  /** Listeners now; the watch runs while there is one. */
  get size(): number {
    return this.listeners.size;
  }

  /** True while a read is scheduled (tests: a closed stream leaves none). */
  get watching(): boolean {
    return this.timer !== undefined;
  }

  /** Tells `listener` when it is ready and after each change; the result unsubscribes. */
  subscribe(listener: Listener): () => void {
    if (this.closed) return () => {};
    this.listeners.add(listener);
    this.joining.add(listener);
    if (this.timer === undefined) this.schedule(0);
    return () => {
      this.listeners.delete(listener);
      this.joining.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.joining.clear();
    this.stop();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
    // Read afresh when someone listens again: what changed meanwhile is not an event.
    this.last = undefined;
  }

  private schedule(delayMs: number): void {
    const generation = this.generation;
    this.timer = setTimeout(() => void this.check(generation), delayMs);
  }

  private async check(generation: number): Promise<void> {
    let current: string | undefined;
    try {
      current = await this.fingerprint();
    } catch {
      // A failed read is no change; the page's own refresh says when the store is down.
    }
    if (generation !== this.generation) return; // Stopped while reading.
    if (current !== undefined) {
      if (this.last !== undefined && current !== this.last) {
        this.version++;
        for (const listener of this.listeners)
          if (!this.joining.has(listener)) listener("change", this.version);
      }
      this.last = current;
      for (const listener of this.joining) listener("ready", this.version);
      this.joining.clear();
    }
    this.schedule(this.intervalMs);
  }
}

/**
 * Serves one event stream on `res` until its connection closes: a `change` event after
 * each change of the feed, and a comment now and then to keep it open.
 */
export function streamChanges(res: ServerResponse, feed: ChangeFeed): void {
  res.write(`retry: ${RETRY_MS}\n: listening\n\n`);
  const unsubscribe = feed.subscribe((kind, version) =>
    res.write(`event: ${kind}\ndata: ${version}\n\n`),
  );
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
  res.once("close", () => {
    clearInterval(keepalive);
    unsubscribe();
  });
}
