/**
 * A Python daemon store built for tests, in the daemon's own format, with every field:
 * `Z`, `+00:00` and other offsets, a 60-entry history (more than the default 50 kept), a
 * stale `running: true`, triage-audit times, a command that never ran.
 */
export type PythonStoreJson = {
  commands: Record<string, Record<string, unknown>>;
  state: Record<string, Record<string, unknown>>;
  last_global_start_ts: string | null;
};

export const BASE = Date.parse("2026-02-05T06:00:00.000Z");
const MIN = 60_000;

/** The same instant written three ways, as real stores do. */
function stamp(ms: number, style: number): string {
  const iso = new Date(ms).toISOString();
  if (style % 3 === 0) return iso; // 2026-02-05T06:00:00.123Z
  if (style % 3 === 1) return `${iso.slice(0, 23)}000+00:00`; // Python's isoformat()
  // The same instant at +02:00.
  const local = new Date(ms + 2 * 3_600_000).toISOString();
  return `${local.slice(0, 23)}+02:00`;
}

export function historyEntry(i: number, startMs: number, style = i) {
  return {
    start_ts: stamp(startMs, style),
    end_ts: stamp(startMs + 1_250, style + 1),
    duration_seconds: 1.25,
    exit_code: i % 7 === 3 ? 2 : 0,
    output: i % 7 === 3 ? `run ${i} failed\n` : `run ${i} ✓ done\n`,
  };
}

export function pythonStore(): PythonStoreJson {
  const statsHistory = Array.from({ length: 60 }, (_, i) =>
    historyEntry(i, BASE + i * 10 * MIN + 123),
  );
  const lastStats = statsHistory[59] ?? historyEntry(59, BASE);
  const beatHistory = [0, 1, 2].map((i) => historyEntry(i, BASE + i * MIN + 7, 0));
  const stuckPrevious = historyEntry(0, BASE + 5 * MIN);
  return {
    commands: {
      "wl-stats": {
        id: "wl-stats",
        command: "wl status",
        title: "Stats",
        requires_llm: false,
        frequency_minutes: 10,
        priority: 0,
        metadata: { discord_label: "wl status" },
        max_runtime_minutes: 1,
        type: "shell",
      },
      heartbeat: {
        id: "heartbeat",
        command: "",
        title: null,
        requires_llm: false,
        frequency_minutes: 1,
        priority: 1,
        metadata: {},
        max_runtime_minutes: null,
        type: "heartbeat",
      },
      "wl-triage-audit": {
        id: "wl-triage-audit",
        command: "true",
        title: "Triage Audit",
        requires_llm: true,
        frequency_minutes: 2,
        priority: 3,
        metadata: { audit_cooldown_hours: 6, include_blocked: true, nested: { a: [1, "two"] } },
        max_runtime_minutes: 5,
        type: "triage-audit",
      },
      delegation: {
        id: "delegation",
        command: "",
        title: "Delegation Report",
        requires_llm: false,
        frequency_minutes: 2,
        priority: 0,
        metadata: { audit_only: false },
        max_runtime_minutes: 5,
        type: "delegation",
      },
      stuck: {
        id: "stuck",
        command: "sleep 3600",
        title: "Stuck",
        requires_llm: false,
        frequency_minutes: 30,
        priority: 2,
        metadata: {},
        max_runtime_minutes: 90,
        type: "shell",
      },
    },
    state: {
      "wl-stats": {
        running: false,
        last_start_ts: lastStats.start_ts,
        last_run_ts: lastStats.end_ts,
        last_duration_seconds: 1.25,
        last_exit_code: lastStats.exit_code,
        last_output: lastStats.output,
        run_history: statsHistory,
      },
      heartbeat: {
        running: false,
        last_start_ts: beatHistory[2]?.start_ts,
        last_run_ts: beatHistory[2]?.end_ts,
        last_duration_seconds: 1.25,
        last_exit_code: 0,
        last_output: beatHistory[2]?.output,
        run_history: beatHistory,
      },
      "wl-triage-audit": {
        running: false,
        last_start_ts: "2026-02-05T07:00:00+01:00",
        last_run_ts: "2026-02-05T06:00:01.250000+00:00",
        last_duration_seconds: 1.25,
        last_exit_code: 0,
        last_output: "audited SA-1",
        run_history: [
          {
            start_ts: "2026-02-05T06:00:00Z",
            end_ts: "2026-02-05T06:00:01.250Z",
            duration_seconds: 1.25,
            exit_code: 0,
            output: "audited SA-1",
          },
        ],
        last_audit_at_by_item: {
          "SA-0ML8XKRV80GORAL7": "2026-02-05T06:00:01.250000+00:00",
          "SA-0ML95LRFD08CS2CZ": "2026-02-04T23:30:00.500-05:30",
        },
      },
      // The daemon died mid-run: running stays true and last_start_ts is that run's start.
      stuck: {
        running: true,
        last_start_ts: "2026-02-05T08:15:00.000+00:00",
        last_run_ts: stuckPrevious.end_ts,
        last_duration_seconds: 1.25,
        last_exit_code: 0,
        last_output: stuckPrevious.output,
        run_history: [stuckPrevious],
      },
    },
    last_global_start_ts: "2026-02-05T09:50:00.123+00:00",
  };
}

/** Every time in the file as the export writes it (UTC, Python's isoformat, milliseconds). */
export function canonicalTimes<T>(value: T): T {
  const walk = (v: unknown, key: string, inAudits: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, key, false));
    if (v && typeof v === "object")
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, walk(x, k, key === "last_audit_at_by_item")]),
      );
    if (typeof v === "string" && (key.endsWith("_ts") || inAudits)) return isoFromDate(v);
    return v;
  };
  return walk(value, "", false) as T;
}

/** Independent of the importer's parser: JavaScript's own Date.parse. */
function isoFromDate(text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`test fixture time does not parse: ${text}`);
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, 19)}+00:00` : `${iso.slice(0, 23)}000+00:00`;
}
