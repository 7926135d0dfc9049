import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPythonStore, serializePythonStore } from "../../src/lib/app/python-store/export.js";
import { parsePythonStore, PythonStoreError } from "../../src/lib/app/python-store/parse.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { simulate } from "../../src/lib/local/simulate.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { addAsCli, updateAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { must } from "../support/commands.js";
import { createTestTable, startTestServer, type TestTable } from "../support/store.js";

/** Active windows and `at` times through the store, the CLI, export/import and simulate. */

let server: EmbeddedStore;
let t: TestTable;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  t = await createTestTable(server.endpoint);
  env = { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: t.tableName };
});
afterAll(async () => {
  await server.close();
});

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

describe("windows and at times in the CLI and the store", () => {
  it("adds them, and status says the command is outside its window until it opens", async () => {
    // A one-hour window two hours from now (UTC): the spawned CLI reads the real clock.
    const opens = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 2 * 3_600_000);
    const hhmm = opens.toISOString().slice(11, 16);
    const closes = new Date(opens.getTime() + 3_600_000).toISOString().slice(11, 16);
    const window = `${DAYS[opens.getUTCDay()]} ${hhmm}-${closes === "00:00" ? "24:00" : closes}`;
    // And the whole of a day that is neither today nor tomorrow.
    const later = DAYS[(opens.getUTCDay() + 3) % 7] ?? "";
    const added = await runCli(
      ["add", "later", "true", "10", "0", "--active", `${window}; ${later}`, "--json"],
      env,
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout).command).toMatchObject({
      active: [window, later],
      at: null,
      timeZone: null,
    });
    const status = await runCli(["status", "--json"], env);
    const row = JSON.parse(status.stdout).commands.find((c: { id: string }) => c.id === "later");
    expect(row).toMatchObject({
      state: "outside",
      why: `outside its window until ${DAYS[opens.getUTCDay()]} ${hhmm} UTC`,
      outsideUntil: opens.toISOString(),
      nextDueAt: opens.toISOString(),
    });
    await t.store.removeCommand("later");
  });

  it("keeps them through the store, drops them on an update without them", async () => {
    await addAsCli(t.store, ["nightly", "npm test", "1440", "0"], {
      at: "23:00",
      active: "Mon-Fri",
      tz: "Europe/London",
    });
    expect(await t.store.getCommand("nightly")).toMatchObject({
      at: ["23:00"],
      active: ["Mon-Fri"],
      timeZone: "Europe/London",
    });
    const [scheduled] = (await t.store.listForSchedule()).commands.filter(
      (c) => c.id === "nightly",
    );
    expect(scheduled).toMatchObject({ at: ["23:00"], active: ["Mon-Fri"] });
    expect(scheduled?.createdAt).toBeTypeOf("number");

    await updateAsCli(t.store, ["nightly", "npm test", "1440", "0"], { at: "06:00,23:00" });
    const updated = must(await t.store.getCommand("nightly"));
    expect(updated.at).toEqual(["06:00", "23:00"]);
    expect(updated.active).toBeUndefined();
    expect(updated.timeZone).toBeUndefined();
    await t.store.removeCommand("nightly");
  });

  it("refuses a bad window, time or zone naming it, and writes nothing", async () => {
    const cases: [string[], string][] = [
      [
        ["--active", "Mon-Fry 09:00-18:00"],
        'Invalid --active: "Mon-Fry 09:00-18:00": "Fry" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)',
      ],
      [["--at", "7pm"], 'Invalid --at: "7pm" is not a time (HH:MM, 00:00-23:59)'],
      [
        ["--at", "23:00", "--tz", "Europe/Lundon"],
        'Invalid --tz: "Europe/Lundon" is not an IANA time zone (such as Europe/London)',
      ],
      [
        ["--at", "23:00", "--active", "Mon-Fri 09:00-18:00"],
        'Invalid --at: "23:00" is outside every active window: it would never start',
      ],
      [["--tz", "Europe/London"], "Invalid --tz: it only applies with --active or --at"],
    ];
    const results = await Promise.all(
      cases.map(([flags]) => runCli(["add", "bad", "true", "1", "0", ...flags], env)),
    );
    results.forEach((result, i) => {
      const [flags, message] = cases[i] ?? [[], ""];
      expect({ flags, code: result.code, stderr: result.stderr.trim() }).toEqual({
        flags,
        code: 2,
        stderr: message,
      });
    });
    expect(await t.store.getCommand("bad")).toBeUndefined();
  });

  it("exports them and imports them back; a bad one in a file is listed", async () => {
    await addAsCli(t.store, ["office", "true", "30", "0"], {
      active: "Mon-Fri 09:00-18:00",
      tz: "America/New_York",
    });
    const text = serializePythonStore((await exportPythonStore(t.store)).store);
    const file = JSON.parse(text);
    expect(file.commands.office).toMatchObject({
      active: ["Mon-Fri 09:00-18:00"],
      time_zone: "America/New_York",
    });
    expect(file.commands.office.at).toBeUndefined();
    const parsed = parsePythonStore(text, { maxOutputBytes: 1024 });
    expect(parsed.commands.find((c) => c.spec.id === "office")?.spec).toMatchObject({
      active: ["Mon-Fri 09:00-18:00"],
      timeZone: "America/New_York",
    });
    file.commands.office.time_zone = "Nowhere/Land";
    file.commands.office.at = ["25:00"];
    const problems = (() => {
      try {
        parsePythonStore(JSON.stringify(file), { maxOutputBytes: 1024 });
        return [];
      } catch (err) {
        return (err as PythonStoreError).problems;
      }
    })();
    expect(problems).toEqual([
      'commands.office.at[0]: "25:00" is not a time (HH:MM, 00:00-23:59)',
      'commands.office.time_zone: "Nowhere/Land" is not an IANA time zone (such as Europe/London)',
    ]);
    await t.store.removeCommand("office");
  });
});

describe("simulate honours windows and at times", () => {
  it("starts a windowed command only inside its window, and an at command at its time", async () => {
    const { config } = parseConfig({});
    // The simulated clock starts on Monday 2030-01-07 00:00 UTC.
    const result = await simulate({
      workload: [
        { id: "window", frequency_minutes: 10, priority: 0, active: ["Mon 01:00-02:00"] },
        { id: "nightly", frequency_minutes: 1440, priority: 0, at: ["03:30"] },
      ],
      durationMs: 4 * 3_600_000,
      tickMs: 60_000,
      globalMinIntervalMs: 60_000,
      priorityWeight: 0.1,
      config,
    });
    const [windowed, nightly] = result.commands;
    expect(windowed?.startsMs.map((ms) => ms / 60_000)).toEqual([60, 70, 80, 90, 100, 110]);
    // The three closed hours are taken out of the intervals, as paused time is.
    expect(windowed?.meanMs).toBe(600_000);
    expect(nightly?.startsMs).toEqual([3.5 * 3_600_000]);
  });
});
