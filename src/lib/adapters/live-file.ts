import { closeSync, type FSWatcher, openSync, readSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { LineSplitter, type LiveSource } from "../core/live-output.js";

const CHUNK = 64 * 1024;

/**
 * A local task run's live output file (`.ampa/workers/<runId>.out`, written by its
 * worker: adapters/process/live-output.ts) as a LiveSource: each read returns the lines
 * added since the last; `changed` resolves on the folder's change events (fs.watch, which
 * also sees the file appear), or after the wait at the latest (a file system where
 * watching misses events still shows each line within one wait).
 */
export class LiveFileSource implements LiveSource {
  private offset = 0;
  private readonly lines = new LineSplitter();
  private watcher: FSWatcher | undefined;
  private dirty = true;
  private wake: (() => void) | undefined;

  constructor(private readonly path: string) {
    try {
      const name = basename(path);
      this.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.notify();
      });
      this.watcher.on("error", () => this.stopWatching());
    } catch {
      // No folder yet, or no watching here: the wait alone paces the reads.
    }
  }

  async read(): Promise<string[]> {
    this.dirty = false;
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      return []; // Not written yet.
    }
    const out: string[] = [];
    try {
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        const n = readSync(fd, buf, 0, CHUNK, this.offset);
        if (n === 0) break;
        this.offset += n;
        out.push(...this.lines.push(buf.subarray(0, n)));
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  changed(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.dirty || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }

  end(): string[] {
    return this.lines.end();
  }

  close(): void {
    this.stopWatching();
    this.wake?.();
  }

  private notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
