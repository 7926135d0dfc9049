import { describe, expect, it } from "vitest";
import {
  ABANDONED_OUTPUT,
  type ParsedPythonStore,
  PythonStoreError,
  parsePythonStore,
} from "../../src/lib/app/python-store/parse.js";
import { formatPythonTime, parsePythonTime } from "../../src/lib/app/python-store/time.js";
import { must } from "../support/commands.js";
import { BASE, type PythonStoreJson, pythonStore } from "../support/python-store.js";

const parse = (store: unknown): ParsedPythonStore =>
  parsePythonStore(JSON.stringify(store), { maxOutputBytes: 262_144 });

function problemsOf(store: unknown): string[] {
  try {
    parse(store);
  } catch (err) {
    if (err instanceof PythonStoreError) return err.problems;
    throw err;
  }
  throw new Error("expected the store to be rejected");
}

describe("Python store times", () => {
  it("reads Z, +00:00 and other offsets as the same instant, to the millisecond", () => {
    const instant = Date.parse("2026-02-05T07:51:52.053Z");
    expect(parsePythonTime("2026-02-05T07:51:52.053Z")).toBe(instant);
    expect(parsePythonTime("2026-02-05T07:51:52.053932+00:00")).toBe(instant);
    expect(parsePythonTime("2026-02-05T09:51:52.053+02:00")).toBe(instant);
    expect(parsePythonTime("2026-02-05T02:21:52.053999-05:30")).toBe(instant);
    expect(parsePythonTime("2026-02-05T07:51:52+00:00")).toBe(instant - 53);
  });

  it("rejects times without an offset and dates that do not exist", () => {
    expect(parsePythonTime("2026-02-05T07:51:52.053")).toBeUndefined();
    expect(parsePythonTime("2026-02-30T00:00:00Z")).toBeUndefined();
    expect(parsePythonTime("2026-02-05T24:00:00Z")).toBeUndefined();
    expect(parsePythonTime("yesterday")).toBeUndefined();
  });

  it("writes what Python's isoformat() writes for UTC", () => {
    expect(formatPythonTime(Date.parse("2026-02-05T07:51:52.053Z"))).toBe(
      "2026-02-05T07:51:52.053000+00:00",
    );
    expect(formatPythonTime(Date.parse("2026-02-05T07:51:52Z"))).toBe("2026-02-05T07:51:52+00:00");
  });
});

describe("parsePythonStore", () => {
  it("maps every field of a command and its state", () => {
    const parsed = parse(pythonStore());
    const audit = must(parsed.commands.find((c) => c.spec.id === "wl-triage-audit"));
    expect(audit.spec).toEqual({
      id: "wl-triage-audit",
      command: "true",
      title: "Triage Audit",
      type: "triage-audit",
      frequencyMinutes: 2,
      priority: 3,
      requiresLlm: true,
      metadata: { audit_cooldown_hours: 6, include_blocked: true, nested: { a: [1, "two"] } },
      maxRuntimeMinutes: 5,
    });
    expect(audit.paused).toBeUndefined();
    // 07:00+01:00 is 06:00Z: the history entry written with Z is the same run.
    expect(audit.state).toEqual({
      lastStartAt: BASE,
      lastEndAt: BASE + 1250,
      lastExitCode: 0,
      lastDurationMs: 1250,
      lastOutcome: "success",
      lastRunId: `import-${BASE}`,
    });
    expect(audit.audits).toEqual([
      { workItemId: "SA-0ML8XKRV80GORAL7", lastAuditAt: BASE + 1250 },
      { workItemId: "SA-0ML95LRFD08CS2CZ", lastAuditAt: Date.parse("2026-02-05T05:00:00.500Z") },
    ]);
    const heartbeat = must(parsed.commands.find((c) => c.spec.id === "heartbeat"));
    expect(heartbeat.spec).not.toHaveProperty("title");
    expect(heartbeat.spec.maxRuntimeMinutes).toBeNull();
    expect(parsed.lastGlobalStartAt).toBe(Date.parse("2026-02-05T09:50:00.123Z"));
  });

  it("keeps every history entry, oldest first, with outcomes from the exit codes", () => {
    const stats = must(parse(pythonStore()).commands.find((c) => c.spec.id === "wl-stats"));
    expect(stats.runs).toHaveLength(60);
    expect(stats.runs.map((r) => r.startedAt)).toEqual(
      Array.from({ length: 60 }, (_, i) => BASE + i * 600_000 + 123),
    );
    expect(stats.runs[3]).toMatchObject({
      exitCode: 2,
      outcome: "failure",
      output: "run 3 failed\n",
      durationMs: 1250,
      endedAt: BASE + 3 * 600_000 + 123 + 1250,
    });
    expect(stats.state.lastRunId).toBe(stats.runs[59]?.runId);
  });

  it("turns a stale running: true into an abandoned run, never a lease", () => {
    const parsed = parse(pythonStore());
    const stuck = must(parsed.commands.find((c) => c.spec.id === "stuck"));
    const start = Date.parse("2026-02-05T08:15:00Z");
    expect(stuck.abandonedRun).toBe(true);
    expect(stuck.state).toEqual({
      lastStartAt: start,
      lastEndAt: start,
      lastOutcome: "abandoned",
      lastRunId: `import-${start}`,
    });
    expect(stuck.state).not.toHaveProperty("leaseRunId");
    expect(stuck.runs.at(-1)).toMatchObject({
      startedAt: start,
      outcome: "abandoned",
      exitCode: null,
      output: ABANDONED_OUTPUT,
    });
    expect(parsed.warnings.some((w) => w.startsWith("state.stuck.running: true"))).toBe(true);
  });

  it("notes keys it does not import instead of failing on them", () => {
    const store = pythonStore() as PythonStoreJson & { dispatches: unknown[] };
    store.dispatches = [];
    must(store.state["wl-triage-audit"]).last_attempt_at_by_item = {};
    store.state.removed = { running: false };
    expect(parse(store).warnings).toEqual(
      expect.arrayContaining([
        "dispatches: 0 upstream dispatch record(s) not imported: a log of past dispatches, not claims",
        "state.wl-triage-audit.last_attempt_at_by_item: not part of the AMPA store format; ignored",
        'state.removed: no command "removed" in commands; ignored',
      ]),
    );
  });

  const invalid: [string, (s: PythonStoreJson) => void, string][] = [
    [
      "a zero frequency",
      (s) => (must(s.commands["wl-stats"]).frequency_minutes = 0),
      "commands.wl-stats.frequency_minutes: must be a positive integer",
    ],
    [
      "a fractional frequency",
      (s) => (must(s.commands["wl-stats"]).frequency_minutes = 2.5),
      "commands.wl-stats.frequency_minutes: must be a positive integer",
    ],
    [
      "a frequency given as text",
      (s) => (must(s.commands["wl-stats"]).frequency_minutes = "10"),
      "commands.wl-stats.frequency_minutes: must be a positive integer",
    ],
    [
      "a missing frequency",
      (s) => delete must(s.commands["wl-stats"]).frequency_minutes,
      "commands.wl-stats.frequency_minutes: must be a positive integer",
    ],
    [
      "a negative priority",
      (s) => (must(s.commands.heartbeat).priority = -1),
      "commands.heartbeat.priority: must be an integer between 0 and 1000",
    ],
    [
      "a type that is not a name",
      (s) => (must(s.commands.heartbeat).type = "cron job; rm"),
      "commands.heartbeat.type: must be a type name",
    ],
    [
      "metadata that is not an object",
      (s) => (must(s.commands.heartbeat).metadata = ["a"]),
      "commands.heartbeat.metadata: must be an object",
    ],
    [
      "requires_llm as text",
      (s) => (must(s.commands.heartbeat).requires_llm = "yes"),
      "commands.heartbeat.requires_llm: must be true or false",
    ],
    [
      "a zero max runtime",
      (s) => (must(s.commands.delegation).max_runtime_minutes = 0),
      "commands.delegation.max_runtime_minutes: must be a positive integer",
    ],
    [
      "an id that differs from its key",
      (s) => (must(s.commands.delegation).id = "other"),
      'commands.delegation.id: must equal its key "delegation"',
    ],
    [
      "an id with a slash",
      (s) => (s.commands["bad/id"] = { ...s.commands.delegation, id: "bad/id" }),
      "commands.bad/id.id: must be 1-128 characters of letters, digits",
    ],
    [
      "a time without an offset",
      (s) => (must(s.state["wl-stats"]).last_start_ts = "2026-02-05T06:00:00"),
      "state.wl-stats.last_start_ts: must be an ISO 8601 time with an offset or Z",
    ],
    [
      "a history entry that ends before it starts",
      (s) => {
        const entry = must((must(s.state["wl-stats"]).run_history as { end_ts: string }[])[3]);
        entry.end_ts = "2026-02-05T05:00:00Z";
      },
      "state.wl-stats.run_history[3].end_ts: must not be before start_ts",
    ],
    [
      "an exit code given as text",
      (s) => {
        const entry = must((must(s.state["wl-stats"]).run_history as { exit_code: unknown }[])[42]);
        entry.exit_code = "0";
      },
      "state.wl-stats.run_history[42].exit_code: must be an integer",
    ],
    [
      "a history that is not a list",
      (s) => (must(s.state.heartbeat).run_history = {}),
      "state.heartbeat.run_history: must be a list of runs",
    ],
    [
      "an audit time that is not a time",
      (s) =>
        (must(s.state["wl-triage-audit"]).last_audit_at_by_item = {
          "SA-0ML8XKRV80GORAL7": "soon",
        }),
      "state.wl-triage-audit.last_audit_at_by_item.SA-0ML8XKRV80GORAL7: must be an ISO 8601 time",
    ],
    [
      "running given as text",
      (s) => (must(s.state.stuck).running = "no"),
      "state.stuck.running: must be true or false",
    ],
    [
      "a global start that is a number",
      (s) => ((s as { last_global_start_ts: unknown }).last_global_start_ts = 5),
      "last_global_start_ts: must be an ISO 8601 time with an offset or Z",
    ],
    [
      "no commands",
      (s) => delete (s as Partial<PythonStoreJson>).commands,
      "commands: must be an object mapping each command id to its definition",
    ],
  ];

  it.each(invalid)("rejects %s, naming its path", (_name, mutate, message) => {
    const store = pythonStore();
    mutate(store);
    const problems = problemsOf(store);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it("reports every bad entry of a file at once", () => {
    const store = pythonStore();
    for (const [, mutate] of invalid.slice(0, 1)) mutate(store);
    must(store.commands.heartbeat).type = "cron job";
    must(store.state.stuck).running = "no";
    expect(problemsOf(store)).toEqual([
      "commands.heartbeat.type: must be a type name (letters, digits, '.', '_', '-')",
      "commands.wl-stats.frequency_minutes: must be a positive integer",
      "state.stuck.running: must be true or false",
    ]);
  });

  it("rejects a file that is not a JSON object", () => {
    expect(problemsOf([])).toEqual([
      "(file): must be a JSON object with commands, state and last_global_start_ts",
    ]);
    expect(() => parsePythonStore("{", { maxOutputBytes: 1024 })).toThrow(/not valid JSON/);
  });

  it("cuts outputs longer than the store keeps, and says so", () => {
    const store = pythonStore();
    must(store.state.heartbeat).last_output = "x";
    const history = must(store.state.heartbeat).run_history as { output: string }[];
    must(history[0]).output = "y".repeat(5000);
    const parsed = parsePythonStore(JSON.stringify(store), { maxOutputBytes: 1024 });
    const run = must(must(parsed.commands.find((c) => c.spec.id === "heartbeat")).runs[0]);
    expect(Buffer.byteLength(run.output)).toBeLessThanOrEqual(1024);
    expect(run.outputTruncatedBytes).toBeGreaterThan(3900);
    expect(
      parsed.warnings.some((w) => w.startsWith("state.heartbeat.run_history[0].output:")),
    ).toBe(true);
  });
});
