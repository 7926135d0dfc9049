/**
 * A run's live output, line by line (`ampa logs`, the dashboard's live view): how a
 * worker splits its program's output into bounded lines, and the envelope that marks a
 * line of program output among a worker's own log lines on AWS (CloudWatch Logs).
 */
import { redactSecrets } from "./secrets.js";

/** A line longer than this (UTF-8 bytes) is cut, with a note saying how much was dropped. */
export const LIVE_LINE_MAX_BYTES = 8192;

/**
 * How much of a line without a newline is held before it is given out cut: enough to
 * redact a secret that straddles the cut (its forms are far shorter), bounded memory.
 */
const PENDING_MAX_BYTES = 1024 * 1024;

/** `text` cut to `maxBytes` of UTF-8, with a note of what was dropped (none: unchanged). */
export function cutLine(text: string, maxBytes = LIVE_LINE_MAX_BYTES, alsoDropped = 0): string {
  const bytes = Buffer.from(text, "utf8");
  const dropped = Math.max(bytes.length - maxBytes, 0) + alsoDropped;
  if (dropped === 0) return text;
  // A character cut in two becomes U+FFFD; the note says the line goes on.
  const kept = bytes.subarray(0, Math.min(bytes.length, maxBytes)).toString("utf8");
  return `${kept} … [ampa: line cut, ${dropped} more bytes]`;
}

/**
 * Splits a byte stream into lines: each complete line redacted (before any cut, so a cut
 * never keeps half a secret) and cut to `maxLineBytes`. A line with no newline after
 * PENDING_MAX_BYTES is given out cut and its rest, up to the next newline, dropped.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current line dropped after it was given out cut. */
  private skipping: number | undefined;

  constructor(private readonly maxLineBytes = LIVE_LINE_MAX_BYTES) {}

  /** The lines `chunk` completes (without their newline). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let rest = chunk;
    for (let nl = rest.indexOf(10); nl !== -1; nl = rest.indexOf(10)) {
      this.take(rest.subarray(0, nl));
      const line = this.line();
      if (line !== undefined) lines.push(line);
      this.skipping = undefined;
      rest = rest.subarray(nl + 1);
    }
    this.take(rest);
    if (this.skipping === undefined && this.pendingBytes > PENDING_MAX_BYTES) {
      const line = this.line();
      if (line !== undefined) lines.push(line);
      this.skipping = 0;
    }
    return lines;
  }

  /** The last line when the stream ends without a newline, if any. */
  end(): string[] {
    const line = this.pendingBytes > 0 ? this.line() : undefined;
    this.skipping = undefined;
    return line === undefined ? [] : [line];
  }

  private take(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.skipping !== undefined) {
      this.skipping += bytes.length;
      return;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** The pending bytes as one line (undefined while skipping the rest of a cut line). */
  private line(): string | undefined {
    if (this.skipping !== undefined) return undefined;
    const text = Buffer.concat(this.pending).toString("utf8").replace(/\r$/, "");
    this.pending = [];
    this.pendingBytes = 0;
    return cutLine(redactSecrets(text), this.maxLineBytes);
  }
}

/**
 * On AWS a task worker writes its program's output to its own stdout, one envelope per
 * line, among its log lines; CloudWatch keeps both. Only a line that is exactly this JSON
 * object is program output: the program cannot forge one, since every line it writes
 * is inside an envelope's `line` string.
 */
export interface OutputEnvelope {
  ampaOutput: { runId: string; line: string };
}

export function outputEnvelope(runId: string, line: string): string {
  const envelope: OutputEnvelope = { ampaOutput: { runId, line } };
  return JSON.stringify(envelope);
}

/** The envelope's run and line, or undefined for any other text (a log line, garbage). */
export function parseEnvelope(text: string): { runId: string; line: string } | undefined {
  if (!text.startsWith('{"ampaOutput":')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Object.keys(value).length !== 1)
      return undefined;
    const inner = (value as Partial<OutputEnvelope>).ampaOutput;
    if (typeof inner !== "object" || inner === null) return undefined;
    const { runId, line } = inner as Partial<OutputEnvelope["ampaOutput"]>;
    return typeof runId === "string" && typeof line === "string" ? { runId, line } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a run's live output is read from (adapters: a local file, CloudWatch Logs). The
 * follow loop (app/live-follow.ts) reads, waits for a change, reads again.
 */
export interface LiveSource {
  /** The lines that arrived since the last read, in order. */
  read(): Promise<string[]>;
  /** Resolves when more may have arrived (a file changed), or after `ms` at the latest. */
  changed(ms: number, signal?: AbortSignal): Promise<void>;
  /** A last line without its newline, once the run has ended. */
  end?(): string[];
  close?(): void;
  /** After the run ended, how long its last lines may take to arrive (CloudWatch's delivery). */
  settleMs?: number;
}
