import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  type OutputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { type LiveSource, parseEnvelope } from "../core/live-output.js";
import { cutLine } from "../core/live-output.js";
import { redactSecrets } from "../core/secrets.js";

/**
 * A deployed run's live output from CloudWatch Logs, read with the operator's credentials.
 * The worker wrote each line of its program's output as an envelope on its stdout
 * (adapters/process/live-output.ts); only envelopes of this run are lines of it, so a
 * log line, or a program line that looks like an envelope, is never taken for one.
 */

/** How long after the run's end its last lines may take to reach CloudWatch Logs. */
export const CLOUDWATCH_SETTLE_MS = 5000;

/** The task's stream under the worker's log group: awslogs `<prefix>/<container>/<task id>`. */
export function workerLogStream(taskArn: string): string {
  return `worker/worker/${taskArn.slice(taskArn.lastIndexOf("/") + 1)}`;
}

export const workerLogGroup = (stage: string) => `/aws/ecs/ampa-${stage}-worker`;
export const runCommandLogGroup = (stage: string) => `/aws/lambda/ampa-${stage}-runCommand`;

const isNotFound = (err: unknown) =>
  err instanceof Error && err.name === "ResourceNotFoundException";

/** This run's lines among `messages`, redacted and cut. */
function runLines(runId: string, messages: readonly (string | undefined)[]): string[] {
  const lines: string[] = [];
  for (const message of messages) {
    const envelope = parseEnvelope((message ?? "").trimEnd());
    if (envelope?.runId === runId) lines.push(cutLine(redactSecrets(envelope.line)));
  }
  return lines;
}

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

interface Options {
  client: Pick<CloudWatchLogsClient, "send">;
  group: string;
  runId: string;
  settleMs?: number;
}

/**
 * An ECS task's log stream (GetLogEvents from its head, then on from each
 * nextForwardToken). A stream that does not exist yet (the task is starting) is empty.
 */
export class CloudWatchStreamSource implements LiveSource {
  readonly settleMs: number;
  private token: string | undefined;

  constructor(private readonly opts: Options & { stream: string }) {
    this.settleMs = opts.settleMs ?? CLOUDWATCH_SETTLE_MS;
  }

  async read(): Promise<string[]> {
    const events: OutputLogEvent[] = [];
    for (;;) {
      let res;
      try {
        res = await this.opts.client.send(
          new GetLogEventsCommand({
            logGroupName: this.opts.group,
            logStreamName: this.opts.stream,
            startFromHead: true,
            ...(this.token ? { nextToken: this.token } : {}),
          }),
        );
      } catch (err) {
        if (isNotFound(err))
          return runLines(
            this.opts.runId,
            events.map((e) => e.message),
          );
        throw err;
      }
      events.push(...(res.events ?? []));
      const next = res.nextForwardToken;
      // The same token back: the end of the stream for now.
      const atEnd = !next || next === this.token;
      if (next) this.token = next;
      if (atEnd || (res.events ?? []).length === 0) break;
    }
    return runLines(
      this.opts.runId,
      events.map((e) => e.message),
    );
  }

  changed(ms: number, signal?: AbortSignal): Promise<void> {
    return wait(ms, signal);
  }
}

/**
 * A function run's lines in its function's log group (FilterLogEvents for the run id:
 * the stream of a Lambda invocation is not known from the run), from `startTime` on,
 * each event once.
 */
export class CloudWatchFilterSource implements LiveSource {
  readonly settleMs: number;
  private readonly seen = new Set<string>();
  private from: number;

  constructor(private readonly opts: Options & { startTime: number }) {
    this.settleMs = opts.settleMs ?? CLOUDWATCH_SETTLE_MS;
    this.from = opts.startTime;
  }

  async read(): Promise<string[]> {
    const messages: string[] = [];
    let nextToken: string | undefined;
    let latest = this.from;
    do {
      let res;
      try {
        res = await this.opts.client.send(
          new FilterLogEventsCommand({
            logGroupName: this.opts.group,
            // A quoted term: the run id as it is, anywhere in the event.
            filterPattern: `"${this.opts.runId}"`,
            startTime: this.from,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
      for (const e of res.events ?? []) {
        const id = e.eventId ?? `${e.logStreamName}:${e.timestamp}:${e.message}`;
        if (this.seen.has(id)) continue;
        this.seen.add(id);
        messages.push(e.message ?? "");
        latest = Math.max(latest, e.timestamp ?? latest);
      }
      nextToken = res.nextToken;
    } while (nextToken);
    // Events of the same millisecond may still come: read from it again, skipping those seen.
    this.from = latest;
    return runLines(this.opts.runId, messages);
  }

  changed(ms: number, signal?: AbortSignal): Promise<void> {
    return wait(ms, signal);
  }
}
