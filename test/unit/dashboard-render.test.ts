import { describe, expect, it } from "vitest";
import type { Command, RunRecord } from "../../src/lib/core/command.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { selectionOptions } from "../../src/lib/app/tick.js";
import { statusReport } from "../../src/cli/status.js";
import { escapeHtml, markup, rawHtml } from "../../src/cli/dashboard/html.js";
import { scheduledStarts, type Snapshot } from "../../src/cli/dashboard/snapshot.js";
import { dashboardPage } from "../../src/cli/dashboard/page.js";
import { commandPage, deadLettersOf } from "../../src/cli/dashboard/command-page.js";
import type { DeadLetter } from "../../src/lib/core/ports.js";
import { timelineSvg, WEEK_MS } from "../../src/cli/dashboard/timeline.js";
import { usageSums } from "../../src/lib/core/usage.js";
import { command, must, T0 } from "../support/commands.js";
import { HOSTILE_OUTPUT, HOUR, seededRun } from "../support/dashboard.js";

const { config } = parseConfig({});

function snapshot(commands: Command[], runs: RunRecord[], now = T0): Snapshot {
  return {
    now,
    report: statusReport(commands, now, selectionOptions(config), undefined),
    commands: new Map(commands.map((c) => [c.id, c])),
    runs: new Map(commands.map((c) => [c.id, runs.filter((r) => r.commandId === c.id)])),
    deadLetters: [],
    corrupt: [],
  };
}

/** The x of each run bar, by run id. */
function barXs(svg: string): Map<string, number> {
  const xs = new Map<string, number>();
  for (const m of svg.matchAll(/<rect class="run [a-z]+" x="([\d.]+)"[^>]*data-run="([^"]+)"/g))
    xs.set(m[2] ?? "", Number(m[1]));
  return xs;
}

describe("dashboard markup", () => {
  it("escapes every interpolated value and keeps only markup made by markup", () => {
    const evil = `<script>"x" & 'y'</script>`;
    expect(escapeHtml(evil)).toBe("&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;");
    expect(markup`<td title="${evil}">${[evil, markup`<b>${evil}</b>`]}</td>`.text).toBe(
      `<td title="${escapeHtml(evil)}">${escapeHtml(evil)}<b>${escapeHtml(evil)}</b></td>`,
    );
    expect(markup`${rawHtml("<i>ok</i>")}${undefined}${null}${false}${0}`.text).toBe("<i>ok</i>0");
  });

  it("draws each run where it belongs: a 25-hour axis ending an hour after now", () => {
    const runs = [seededRun("a", T0, 12 * HOUR), seededRun("a", T0, 1 * HOUR)];
    const svg = timelineSvg(snapshot([command("a", { lastStartAt: T0 - HOUR })], runs)).text;
    const xs = barXs(svg);
    // Label column 160 px, then 1000 px for 25 hours: now − 12 h is at 160 + 12/25 × 1000.
    expect(xs.get(`a-${T0 - 12 * HOUR}`)).toBeCloseTo(160 + (12 / 25) * 1000, 0);
    expect(xs.get(`a-${T0 - HOUR}`)).toBeCloseTo(160 + (23 / 25) * 1000, 0);
  });

  it("leaves out runs older than the window and colours bars by outcome", () => {
    const runs = [
      seededRun("a", T0, 30 * HOUR),
      seededRun("a", T0, 5 * HOUR, { outcome: "failure", exitCode: 3 }),
      seededRun("a", T0, 4 * HOUR, { outcome: "abandoned", exitCode: null }),
    ];
    const svg = timelineSvg(snapshot([command("a")], runs)).text;
    expect(barXs(svg).size).toBe(2);
    expect(svg).toContain('class="run failed"');
    expect(svg).toContain('class="run abandoned"');
  });

  it("shows exit code, duration, trigger and the cut first line of output on hover", () => {
    const run = seededRun("h", T0, HOUR, { output: HOSTILE_OUTPUT, durationMs: 95_000 });
    const svg = timelineSvg(snapshot([command("h")], [run])).text;
    const title = /<title>([^<]*)<\/title><\/rect>/.exec(svg)?.[1] ?? "";
    expect(title).toContain("h: success, exit 0");
    expect(title).toContain("1m35s from");
    expect(title).toContain("schedule");
    expect(title).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(title).not.toContain("second line");
    expect(title.length).toBeLessThan(400);
  });

  it("renders a page whose only scripts and styles carry the nonce", () => {
    const c = command("x", { title: "<script>alert(1)</script>" });
    const page = dashboardPage(snapshot([c], []), {
      token: "tok",
      nonce: "n0nce",
      target: "<target>",
      notice: { text: "<b>done</b>", error: false },
    });
    expect(page.match(/<script/g)).toEqual(["<script"]);
    expect(page).toContain('<script nonce="n0nce">');
    expect(page).toContain("&lt;b&gt;done&lt;/b&gt;");
    expect(page).toContain("&lt;target&gt;");
  });

  it("says a command outside its window is, until when, and shows its calendar", () => {
    const c = command("office", {
      active: ["Mon-Fri 09:00-18:00"],
      at: ["10:00"],
      timeZone: "Europe/London",
    });
    const page = dashboardPage(snapshot([c], []), { token: "tok", nonce: "n", target: "t" });
    expect(page).toContain(
      '<span class="muted">outside its window until Wed 09:00 Europe/London</span>',
    );
    const facts = must(commandPage(snapshot([c], []), "office", { token: "tok", nonce: "n" }));
    expect(facts).toContain("<code>Mon-Fri 09:00-18:00</code>");
    expect(facts).toContain("<code>10:00</code>");
    expect(facts).toContain("<code>Europe/London</code>");
  });

  it("lists the work items delegation holds back: escalated, and waiting out a backoff", () => {
    const snap = snapshot([command("a")], []);
    snap.report.heldBack = [
      {
        workItemId: "SA-1",
        action: "implement",
        stage: "plan_complete",
        attempts: 3,
        runs: ["r1", "r2", "r3"],
        state: "escalated",
        at: T0 - 2 * HOUR,
      },
      {
        workItemId: "SA-<b>2",
        action: "plan",
        stage: "intake_complete",
        attempts: 1,
        runs: ["r9"],
        state: "backoff",
        at: T0 + 30 * 60_000,
      },
    ];
    const page = dashboardPage(snap, { token: "tok", nonce: "n", target: "t" });
    const table = page.slice(page.indexOf('<table id="held-back">'));
    expect(table).toContain(
      '<td>SA-1</td><td>implement</td><td>plan_complete</td><td class="num">3</td><td>escalated 2h ago: waits for a person to change the item</td><td>r1, r2, r3</td>',
    );
    expect(table).toContain("<td>SA-&lt;b&gt;2</td>");
    expect(table).toContain("<td>next try in 30m</td>");
    const none = dashboardPage(snapshot([command("a")], []), {
      token: "t",
      nonce: "n",
      target: "t",
    });
    expect(none).toContain('<div id="heldback"><p>No work items held back.</p></div>');
  });

  it("lists the latest actions from Discord, names escaped", () => {
    const snap = snapshot([command("a")], []);
    snap.report.actions = [
      {
        at: T0,
        interactionId: "1",
        userId: "42",
        userName: "<b>mallory</b>",
        action: "pause",
        commandId: "a",
        outcome: "refused",
      },
      {
        at: T0,
        interactionId: "2",
        userId: "43",
        userName: "alice",
        action: "ignore",
        pullRequest: "acme/app#12",
        outcome: "done",
      },
    ];
    const page = dashboardPage(snap, { token: "tok", nonce: "n", target: "t" });
    const table = page.slice(page.indexOf('<table id="actions">'));
    expect(table).toContain(
      `<tr class="action-refused"><td>${new Date(T0).toISOString()}</td><td title="42">&lt;b&gt;mallory&lt;/b&gt;</td><td>pause</td><td>a</td><td>refused</td><td></td></tr>`,
    );
    expect(table).toContain("<td>ignore</td><td>acme/app#12</td><td>done</td>");
    const none = dashboardPage(snapshot([command("a")], []), {
      token: "t",
      nonce: "n",
      target: "t",
    });
    expect(none).toContain('<div id="actions"><p>No actions from Discord.</p></div>');
  });

  it("sums what the runs on record used in the Usage section, agent names escaped", () => {
    const runs = [
      seededRun("d", T0, 2 * HOUR, {
        agentUsage: [{ agent: "opencode", inputTokens: 12_000, outputTokens: 800, costUsd: 0.5 }],
        compute: { vcpuSeconds: 3600, gbSeconds: 7200 },
      }),
      seededRun("d", T0, HOUR, {
        agentUsage: [
          { agent: "opencode", inputTokens: 300, outputTokens: 200, costUsd: 0.25 },
          { agent: "<i>odd</i>", inputTokens: 5, outputTokens: 1 },
        ],
        compute: { vcpuSeconds: 1800, gbSeconds: 3600 },
      }),
      seededRun("d", T0, 3 * HOUR),
    ];
    const snap = snapshot([command("d"), command("quiet")], runs);
    snap.report.usage = usageSums(snap.runs, 50);
    const page = dashboardPage(snap, { token: "tok", nonce: "n", target: "t" });
    const section = page.slice(
      page.indexOf('<div id="usage">'),
      page.indexOf("</table>", page.indexOf('<div id="usage">')),
    );
    expect(section).toContain("the newest 50 of each command");
    const rows = [...section.matchAll(/<tr><td>(.*?)<\/tr>/g)].map((m) =>
      [...`<td>${m[1] ?? ""}`.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]),
    );
    expect(rows).toEqual([
      ["d", "&lt;i&gt;odd&lt;/i&gt;", "1 of 3", "5", "1", "no cost reported", ""],
      ["d", "opencode", "2 of 3", "12.3k", "1.0k", "$0.7500", ""],
      ["d", "task compute", "2 of 3", "", "", "", "1.50 vCPU-h, 3.00 GB-h"],
    ]);
    expect(page).not.toContain("<i>odd</i>");
    const none = dashboardPage(snapshot([command("quiet")], []), {
      token: "t",
      nonce: "n",
      target: "t",
    });
    expect(none).toContain("No run on record reports agent usage or task compute time.");
  });

  it("shows under a run's duration on its command's page what it used", () => {
    const run = seededRun("d", T0, HOUR, {
      agentUsage: [{ agent: "claude", inputTokens: 2500, outputTokens: 90, costUsd: 0.0421 }],
      compute: { vcpuSeconds: 30, gbSeconds: 60 },
    });
    const page = must(
      commandPage(snapshot([command("d")], [run]), "d", { token: "t", nonce: "n" }),
    );
    expect(page).toContain(
      "30.0 s<br><small>claude: 2.5k in, 90 out, $0.0421</small><br><small>task: 30 vCPU-s, 60 GB-s</small>",
    );
  });

  it("draws the same timeline for two reads in one minute, and a new one the next", () => {
    const c = command("a", { lastStartAt: T0 - HOUR });
    const runs = [seededRun("a", T0, HOUR)];
    const at = (now: number) => timelineSvg(snapshot([c], runs, now)).text;
    const minute = Math.floor(T0 / 60_000) * 60_000;
    expect(at(minute + 5_000)).toBe(at(minute + 50_000));
    expect(at(minute + 65_000)).not.toBe(at(minute + 50_000));
  });

  it("draws the run holding the lease as a bar from its start to now", () => {
    const c = command("busy", {
      lastStartAt: T0 - 6 * HOUR,
      lastRunId: "r1",
      leaseRunId: "r1",
      leaseOwner: "tick:1",
      leaseExpiresAt: T0 + 60_000,
      leaseWorker: "pid:42@host",
    });
    const svg = timelineSvg(snapshot([c], [])).text;
    const m =
      /<rect class="run running" x="([\d.]+)"[^>]* width="([\d.]+)"[^>]*><title>([^<]*)</.exec(svg);
    expect(Number(m?.[1])).toBeCloseTo(160 + (18 / 25) * 1000, 0);
    expect(Number(m?.[2])).toBeCloseTo((6 / 25) * 1000, 0);
    expect(m?.[3]).toContain("pid:42@host");
    const expired = { ...c, leaseExpiresAt: T0 - 1 };
    expect(timelineSvg(snapshot([expired], [])).text).not.toContain("run running");
  });

  it("zooms out to 7 days: a run of yesterday's yesterday is drawn, days labelled", () => {
    const runs = [seededRun("a", T0, 30 * HOUR)];
    const svg = timelineSvg(snapshot([command("a")], runs), WEEK_MS).text;
    // 7 days back and 7 hours ahead of the minute's end (T0 + 1 s): 175 hours in 1000 px.
    const expected = 160 + ((7 * 24 - 30 - 1 / 3600) / 175) * 1000;
    expect([...barXs(svg).values()][0]).toBeCloseTo(expected, 0);
    expect(svg).toContain(">02-29</text>");
    expect(svg).toContain("Runs of the last 7 days");
  });

  it("marks the scheduled starts on a global slots lane, each a slot wide, with the capacity used", () => {
    const runs = [
      seededRun("a", T0, 10 * HOUR),
      seededRun("b", T0, 5 * HOUR),
      seededRun("b", T0, 4 * HOUR, { trigger: "run-once" }),
    ];
    const commands = [command("a"), command("b")];
    const base = snapshot(commands, runs);
    const slots = scheduledStarts(base.runs, T0 - 2 * HOUR, 60_000);
    expect(slots.starts).toEqual([
      { at: T0 - 10 * HOUR, commandId: "a" },
      { at: T0 - 5 * HOUR, commandId: "b" },
      { at: T0 - 2 * HOUR },
    ]);
    const svg = timelineSvg({ ...base, globalSlots: slots }).text;
    const marks = [
      ...svg.matchAll(
        /<rect class="slot" x="([\d.]+)"[^>]* width="([\d.]+)"[^>]*><title>([^<]*)</g,
      ),
    ].map((m) => ({ x: Number(m[1]), width: Number(m[2]), hover: m[3] }));
    // 25 hours in 1000 px (the axis ends at the minute's end, T0 + 1 s): a 60 s slot is 0.67 px, drawn 1 px.
    expect(marks.map((m) => m.x)).toEqual(
      [10, 5, 2].map((h) => Number((160 + ((24 - h - 1 / 3600) / 25) * 1000).toFixed(1))),
    );
    expect(marks.every((m) => m.width === 1)).toBe(true);
    expect(marks[0]?.hover).toMatch(/^a: scheduled start \d\d:\d\d:\d\d UTC$/);
    expect(marks[2]?.hover).toMatch(/^the last global start, \d\d:\d\d:\d\d UTC$/);
    expect(svg).toContain("3 of 1440 global slots used (0.2%), one per 1m00s");
    // The command lanes move down one lane for it; without slots there is no such lane.
    expect(svg).toMatch(/<g class="lane" data-command="a"><text class="label" x="4" y="51">/);
    expect(timelineSvg(base).text).not.toContain("global slots");
  });

  it("draws slots closer than a pixel as one mark: a full capacity is one band", () => {
    const minute = 60_000;
    const starts = Array.from({ length: 120 }, (_, i) => ({ at: T0 - 3 * HOUR + i * minute }));
    const svg = timelineSvg({
      ...snapshot([command("a")], []),
      globalSlots: { starts, minIntervalMs: minute },
    }).text;
    const marks = svg.match(/<rect class="slot"/g) ?? [];
    expect(marks).toHaveLength(1);
    expect(svg).toContain("120 scheduled starts from");
    expect(svg).toContain("120 of 1440 global slots used (8.3%)");
  });

  it("shows on a command's page what became of each run's post, and the command's dead letters", () => {
    const c = command("report", { title: "Nightly <report>" });
    const runs = (
      ["sent", "dead_letter", "dead_letter", "unchanged", "self", "none", undefined] as const
    ).map((notified, i) => seededRun("report", T0, (i + 1) * HOUR, notified ? { notified } : {}));
    const letter = (over: Partial<DeadLetter>): DeadLetter => ({
      id: `l-${Object.values(over).join("-")}`,
      kind: "command",
      content: "# Nightly <report>\n\n<b>undelivered</b>",
      reason: "HTTP 400",
      attempts: 1,
      createdAt: T0,
      ...over,
    });
    const letters = [
      letter({ commandId: "report", runId: runs[1]?.runId }),
      // An older letter names no run: its title says whose it is.
      letter({}),
      letter({ commandId: "other", runId: "x" }),
      letter({ content: "# Someone else\n\nhi" }),
      letter({ kind: "heartbeat", content: "# Nightly <report>" }),
    ];
    expect(deadLettersOf(letters, c).map((l) => l.id)).toEqual([letters[0]?.id, letters[1]?.id]);
    const page = must(
      commandPage({ ...snapshot([c], runs), deadLetters: letters }, "report", {
        token: "tok",
        nonce: "n",
      }),
    );
    const cells = [
      ...page.matchAll(/<tr data-run="[^"]+">(?:<td[^>]*>.*?<\/td>){6}<td>(.*?)<\/td>/g),
    ].map((m) => m[1]?.replace(/<[^>]+>/g, ""));
    expect(cells).toEqual([
      "posted",
      "dead letter",
      "dead letter, since redriven",
      "not posted: unchanged",
      "its type posts its own",
      "not posted: no notifier",
      "-",
    ]);
    expect(page).toContain("<h2>Dead letters (2)</h2>");
    expect(page).toContain("&lt;b&gt;undelivered&lt;/b&gt;");
    expect(page).not.toContain("<b>undelivered");
  });
});
