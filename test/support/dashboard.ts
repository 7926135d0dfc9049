import { request } from "node:http";
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { RunRecord } from "../../src/lib/core/command.js";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import { scanForCanary } from "./canary.js";
import { command } from "./commands.js";
import { waitFor } from "./wait.js";

export const HOUR = 3_600_000;

const BIN = resolve(import.meta.dirname, "../../bin/ampa.mjs");

export interface RunningDashboard {
  url: string;
  origin: string;
  token: string;
  child: ChildProcess;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * The real `ampa dashboard --port 0 --json` in a child process, once it listens; `global`
 * options (e.g. `--stage s`) go before the verb.
 */
export async function startDashboardCli(
  env: Record<string, string>,
  global: string[] = [],
): Promise<RunningDashboard> {
  const child = spawn(process.execPath, [BIN, ...global, "dashboard", "--port", "0", "--json"], {
    env: { ...process.env, AMPA_LOAD_DOTENV: "0", AMPA_LOG_LEVEL: "warn", ...env },
  });
  const lines: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += String(chunk)));
  createInterface({ input: child.stdout }).on("line", (line) => {
    scanForCanary("ampa dashboard stdout", line);
    lines.push(line);
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const first = await waitFor(
    "the dashboard URL",
    () => lines[0],
    30_000,
    () => stderr,
  );
  const { url } = (JSON.parse(first) as { listening: { url: string } }).listening;
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get("token") ?? "",
    child,
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** A run record of `id`, `startedAgoMs` before `now`, lasting `durationMs`. */
export function seededRun(
  id: string,
  now: number,
  startedAgoMs: number,
  overrides: Partial<RunRecord> = {},
): RunRecord {
  const startedAt = now - startedAgoMs;
  const durationMs = overrides.durationMs ?? 30_000;
  return {
    commandId: id,
    runId: `${id}-${startedAt}`,
    trigger: "schedule",
    startedAt,
    endedAt: startedAt + durationMs,
    durationMs,
    exitCode: 0,
    outcome: "success",
    output: "all good",
    outputTruncatedBytes: 0,
    ...overrides,
  };
}

/** What a hostile run prints: markup that must stay text, then one very long line. */
export const HOSTILE_OUTPUT = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">${"A".repeat(300_000)}\nsecond line`;

/**
 * A store with three commands: `alpha` with an ok (a task run whose agent reported usage),
 * a failed and a timed-out run over the last day, `hostile` whose title and output are markup, and `sleepy`, paused.
 */
export async function seedDashboardStore(store: Store, now: number): Promise<void> {
  const alphaRuns = [
    // A task run of a hostile agent: the Usage section sums it, the name escaped.
    seededRun("alpha", now, 12 * HOUR, {
      agentUsage: [{ agent: "<b>agent</b>", inputTokens: 1500, outputTokens: 20, costUsd: 0.125 }],
      compute: { vcpuSeconds: 30, gbSeconds: 60 },
    }),
    seededRun("alpha", now, 6 * HOUR, { outcome: "failure", exitCode: 2, output: "boom\nmore" }),
    seededRun("alpha", now, 2 * HOUR, { outcome: "timeout", exitCode: null, durationMs: 600_000 }),
  ];
  const hostileRun = seededRun("hostile", now, 3 * HOUR, { output: HOSTILE_OUTPUT });
  for (const run of [...alphaRuns, hostileRun]) await store.putRunRecord(run);
  const last = (runs: RunRecord[]) => runs[runs.length - 1] as RunRecord;
  const state = (run: RunRecord) => ({
    lastStartAt: run.startedAt,
    lastEndAt: run.endedAt,
    lastRunId: run.runId,
    lastOutcome: run.outcome,
    ...(run.exitCode === null ? {} : { lastExitCode: run.exitCode }),
  });
  await store.putCommandWithState(
    command("alpha", { frequencyMinutes: 5, priority: 1, ...state(last(alphaRuns)) }),
  );
  await store.putCommandWithState(
    command("hostile", {
      title: `<img src=x onerror="window.__pwned = 3">`,
      frequencyMinutes: 60,
      ...state(hostileRun),
    }),
  );
  await store.putCommandWithState(command("sleepy", { paused: true, frequencyMinutes: 10 }));
}

/** An open `GET /events` stream: the events it received, in order, with when they came. */
export interface EventStream {
  status: number;
  events: { event: string; data: string; at: number }[];
  /** Resolves with the first `event` received after `since` (epoch ms), or fails. */
  next(event: string, since: number, timeoutMs?: number): Promise<{ data: string; at: number }>;
  close(): void;
}

/** Opens the dashboard's event stream with fetch (as EventSource would) and parses it. */
export async function openEvents(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: EventStream["events"] = [];
  if (res.ok && res.body) {
    void (async () => {
      let buffer = "";
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          buffer += Buffer.from(chunk).toString();
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end).split("\n");
            buffer = buffer.slice(end + 2);
            const field = (name: string) =>
              block.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
            const event = field("event");
            if (event !== undefined)
              events.push({ event, data: field("data") ?? "", at: Date.now() });
          }
        }
      } catch {
        // Aborted by close(), or the server went away.
      }
    })();
  }
  const stream: EventStream = {
    status: res.status,
    events,
    next: (event, since, timeoutMs = 5_000) =>
      waitFor(
        `a ${event} event`,
        () => events.find((e) => e.event === event && e.at >= since),
        timeoutMs,
      ),
    close: () => abort.abort(),
  };
  if (!res.ok) await res.body?.cancel();
  return stream;
}

/**
 * The status of a GET of `url` sent with another Host header, as a page rebound to
 * loopback by DNS would send it (fetch cannot set Host).
 */
export function statusWithHost(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) =>
    request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    })
      .on("error", reject)
      .end(),
  );
}

/** Stores a finished run and points its command's item at it, as a run's end would. */
export async function recordFinishedRun(store: Store, run: RunRecord): Promise<void> {
  await store.putRunRecord(run);
  const command = await store.getCommand(run.commandId);
  if (!command) throw new Error(`no command ${run.commandId} to record a run of`);
  await store.putCommandWithState({
    ...command,
    lastStartAt: run.startedAt,
    lastEndAt: run.endedAt,
    lastRunId: run.runId,
    lastOutcome: run.outcome,
    lastExitCode: run.exitCode ?? undefined,
  });
}
