import { closeSync, writeSync } from "node:fs";
import type { ShellRunner, ToolRunner } from "../../core/ports.js";
import { LineSplitter, outputEnvelope } from "../../core/live-output.js";
import { openPrivateLog } from "../private-files.js";

/**
 * Where a task worker writes its program's output while it runs, for `ampa logs` and the
 * dashboard's live view (the run record gets it only at the end):
 * - `file`: a local worker's `.ampa/workers/<runId>.out`, plain lines, at most
 *   `maxFileBytes` (then a note, and nothing more: the record keeps the output's tail);
 * - `stdout`: on AWS, one envelope per line (core/live-output.ts) on the worker's own
 *   stdout, which the awslogs driver sends to the task's CloudWatch log stream.
 * Every line is redacted with the secrets this worker knows (its run-time secrets
 * included, which the reader's process does not know) before it is written.
 */
export interface LiveOutputOptions {
  runId: string;
  file?: string;
  stdout?: (text: string) => void;
  maxFileBytes?: number;
}

/** 8 MiB a run: the file is a live view, not an archive. */
export const LIVE_FILE_MAX_BYTES = 8 * 1024 * 1024;

/** The awslogs driver splits a line over 16 KiB into several events: stay under it. */
const ENVELOPE_MAX_CHARS = 15 * 1024;

/** Programs whose output is data the run reads (JSON of wl, gh), not progress to watch. */
const QUIET_TOOLS = new Set(["wl", "gh", "git"]);

export class LiveOutputSink {
  private readonly lines = new LineSplitter();
  private fd: number | undefined;
  private written = 0;
  private full = false;

  constructor(private readonly opts: LiveOutputOptions) {
    // Created now, so a reader finds the run's file from its start on.
    if (opts.file) this.fd = openPrivateLog(opts.file);
  }

  push(chunk: Buffer): void {
    for (const line of this.lines.push(chunk)) this.write(line);
  }

  /** Writes the last unterminated line, then closes the file. */
  end(): void {
    for (const line of this.lines.end()) this.write(line);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private write(line: string): void {
    if (this.opts.stdout) this.opts.stdout(`${envelope(this.opts.runId, line)}\n`);
    if (this.fd === undefined || this.full) return;
    const max = this.opts.maxFileBytes ?? LIVE_FILE_MAX_BYTES;
    const bytes = Buffer.byteLength(line) + 1;
    try {
      if (this.written + bytes > max) {
        this.full = true;
        writeSync(
          this.fd,
          `[ampa] live output stops here (${max} bytes); the run's record keeps its end\n`,
        );
        return;
      }
      writeSync(this.fd, `${line}\n`);
      this.written += bytes;
    } catch {
      // A full disk must not fail the run: the live view stops, the record still comes.
      this.full = true;
    }
  }
}

/** One envelope of at most ENVELOPE_MAX_CHARS (a line of escapes is cut further). */
function envelope(runId: string, line: string): string {
  let text = line;
  let json = outputEnvelope(runId, text);
  while (json.length > ENVELOPE_MAX_CHARS && text.length > 0) {
    text = `${text.slice(0, Math.floor(text.length / 2))} … [ampa: line cut]`;
    json = outputEnvelope(runId, text);
  }
  return json;
}

/**
 * The shell and tool runners with their programs' output also sent to `sink` as it
 * arrives (bookkeeping tools excepted: QUIET_TOOLS).
 */
export function withLiveOutput(
  processes: { runShell: ShellRunner; runTool: ToolRunner },
  sink: LiveOutputSink,
): { runShell: ShellRunner; runTool: ToolRunner } {
  const onOutput = (chunk: Buffer) => sink.push(chunk);
  return {
    runShell: (command, opts) => processes.runShell(command, { ...opts, onOutput }),
    runTool: (program, args, opts) =>
      QUIET_TOOLS.has(program)
        ? processes.runTool(program, args, opts)
        : processes.runTool(program, args, { ...opts, onOutput }),
  };
}
