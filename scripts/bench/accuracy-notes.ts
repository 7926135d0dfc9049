import type { CommandStats, SimulationResult } from "../../src/lib/local/simulate.js";
import {
  type AccuracyResult,
  betterThanPython,
  GLOBAL_MIN_MS,
  rejoinErrors,
  WEIGHT,
} from "./accuracy.js";
import { fmt, pct, secs } from "./format.js";

/**
 * Why accuracy targets were missed. Each note is written only when its target is missed
 * *and* the figures show the mechanism it describes, so a note cannot outlive the rule it
 * explains: with another rule the note disappears or the fact it cites is checked again.
 */

const stretch = (c: CommandStats) => (c.meanMs ?? Infinity) / c.desiredMs;
const vsIdeal = (c: CommandStats) => (c.meanMs ?? Infinity) / c.idealMs;
const find = (acc: AccuracyResult[], name: string) => acc.find((a) => a.case.name === name)?.result;

/** The lateness-from-last-start signature: a late command never gets a shorter interval back. */
const neverCatchesUp = (cs: CommandStats[]) =>
  cs.length > 0 && cs.every((c) => c.minMs !== null && c.minMs >= c.desiredMs);

function f1Note(acc: AccuracyResult[], f1: SimulationResult): string | undefined {
  const late = f1.commands.filter((c) => Math.abs(c.deviation ?? 0) > 0.01);
  if (!neverCatchesUp(late)) return undefined;
  const two = f1.commands[0];
  const list = late
    .map(
      (c) =>
        `${c.id} ${pct(c.deviation ?? 0)} (mean ${secs(c.meanMs)} for ${secs(c.desiredMs)}, shortest ${secs(c.minMs)})`,
    )
    .join(", ");
  const collision =
    two?.minMs === two?.desiredMs && two?.maxMs === two?.desiredMs
      ? " With one start allowed per minute the 2-minute command takes every other minute; a 5-minute command started at an odd minute next falls due at an even minute, where the 2-minute command wins (score 0.5 min ÷ 2 = 0.25 against 0.5 ÷ 5 = 0.1), so it starts a minute late — and, measured from that late start, again next time. The 10-minute command fares the same."
      : "";
  return `**F1 misses "every mean within 1 % of desired"** — ${list}. Why: the current rule measures lateness from each command's last *actual* start, so a start delayed by a collision shifts every later start of that command and nothing pulls it back: no late command ever has an interval shorter than desired.${collision} The load fits (${fmt(f1.wantedStartsPerMinute, 2)} starts a minute wanted), so anchoring due times to the schedule (next due = previous *due* time + interval, the catch-up bounded) would follow a late start with a shorter interval; that is issue 10's rule 2. ${betterThanPython(acc, "F1") ? "Every mean is still closer to the desired interval than the Python daemon's." : ""}`;
}

/** C1, D1, D2, R1: a feasible load that misses the mean target for F1's reason. */
function sameAsF1Note(name: string, r: SimulationResult): string | undefined {
  const late = r.commands.filter((c) => Math.abs(c.deviation ?? 0) > 0.01);
  if (!neverCatchesUp(late)) return undefined;
  const atCapacity =
    r.wantedStartsPerMinute === r.capacityPerMinute
      ? ` With no slack at all (exactly one start wanted a minute), every minute a collision delays is lost for good: ${r.totalStarts} starts in ${Math.round(r.durationMs / 60_000)} minutes.`
      : "";
  return `**${name} misses "every mean within 1 % of desired"** — ${late.map((c) => `${c.id} ${pct(c.deviation ?? 0)} (mean ${secs(c.meanMs)} for ${secs(c.desiredMs)})`).join(", ")}. Same cause as F1: no late command's shortest interval is below desired, so every delay is kept.${atCapacity}`;
}

function w1Note(acc: AccuracyResult[], w1: SimulationResult): string | undefined {
  const [one, , five] = w1.commands;
  if (!one || !five || !(stretch(five) < Math.min(...w1.commands.slice(0, 2).map(stretch))))
    return undefined;
  const ideal = fmt(w1.wantedStartsPerMinute / w1.capacityPerMinute, 2);
  return `**W1 misses "within 3 % of the ideal"** — the ideal stretches every command by ${ideal}; measured ${w1.commands.map((c) => `${c.id} ×${fmt(stretch(c), 2)} (${pct(vsIdeal(c) - 1)} against its ideal)`).join(", ")}. Why: with one start a minute every interval is a whole number of minutes, and the score is lateness ÷ interval (plus the half-tick tolerance). For the 1-minute command one minute of delay is 100 % lateness: it is either on time (score 0.5) or at least a whole interval late (score 1.5 or more, which beats anything else here), so its intervals run from ${secs(one.minMs)} to ${secs(one.maxMs)}. The 5-minute command takes the minutes in between: its score reaches 0.5 at 7 minutes, and it wins that tie against the 1-minute command that has just run through the longer-wait tie-break. So the longest interval stretches least and the two short ones share what is left. Equal stretching needs a rule that remembers service across ticks (virtual time or a deficit) rather than one tick's normalized lateness: issue 10's rule 3. No command starves${betterThanPython(acc, "W1") ? ", and every command starts more often than under the Python daemon" : ""}.`;
}

function p1Note(p1: SimulationResult): string | undefined {
  const means = p1.commands.map((c) => c.meanMs ?? Infinity);
  const spread = Math.max(...means) / Math.min(...means) - 1;
  const intervals = new Set(p1.commands.map((c) => c.desiredMs));
  if (spread > 0.02 || intervals.size !== 1) return undefined;
  // In a rotation of n one-minute turns the leader has waited n minutes, the next n − 1;
  // their lateness (with the half-tick tolerance) is wait − interval + ½ minute.
  const n = p1.commands.length;
  const iMin = (p1.commands[0]?.desiredMs ?? 0) / 60_000;
  const needed = (n - iMin + 0.5) / (n - 1 - iMin + 0.5);
  const weights = p1.commands.map((c) => 1 + WEIGHT * c.priority).sort((a, b) => a - b);
  const neighbour = Math.max(...weights.slice(1).map((w, i) => w / (weights[i] ?? w)));
  if (!(neighbour < needed)) return undefined;
  return `**P1 misses "within 3 % of the ideal"** — the five commands take turns: every mean is within ${pct(spread)} of the others (${secs(Math.min(...means))}–${secs(Math.max(...means))}, about ${n} commands × one minute) whatever the priority, though the ideals run from ${secs(Math.max(...p1.commands.map((c) => c.idealMs)))} (priority 0) to ${secs(Math.min(...p1.commands.map((c) => c.idealMs)))} (priority 10). Why: the score is lateness ÷ interval × weight, and in the rotation the command whose turn it is has waited a whole minute longer than the next one (${fmt(n - iMin + 0.5, 1)} against ${fmt(n - 1 - iMin + 0.5, 1)} minutes late, with the half-tick tolerance), so the next one overtakes only with a weight ${fmt(needed, 2)}× as large; with priority weight ${WEIGHT} neighbouring priorities differ by at most ${fmt(neighbour, 2)}×, so the rotation is stable and priority only orders the first round. Weighted shares need a rule that counts service (issue 10's rule 3).`;
}

function l1Note(l1: SimulationResult): string | undefined {
  const [long, ...short] = l1.commands;
  if (!long || short.length === 0 || !(vsIdeal(long) > Math.max(...short.map(vsIdeal))))
    return undefined;
  return `**L1 misses "within 3 % of the ideal"** — ${long.id} runs every ${secs(long.meanMs)} for an ideal ${secs(long.idealMs)} (${pct(vsIdeal(long) - 1)}), the 1-minute ones every ${short.map((c) => secs(c.meanMs)).join(" and ")} for ${secs(short[0]?.idealMs ?? null)}. Why: the score is lateness ÷ interval, and the two 1-minute commands, each a minute late at its turn, score 1.5; the 60-minute command must be about 1.5 of its own intervals late (some 90 minutes) before it outscores them, so it is stretched far more than the fair share. Its longest gap is ${fmt(long.longestGapMs / long.idealMs, 2)}× its ideal.`;
}

function dynamicsNote(name: string, r: SimulationResult): string | undefined {
  const errors = rejoinErrors(r).filter((e) => e.errorMs > GLOBAL_MIN_MS);
  const early = errors.filter((e) => (e.j.acrossMs ?? 0) < e.c.idealMs);
  const quick = early.filter(
    (e) => e.j.firstStartMs !== null && e.j.firstStartMs - e.j.toMs <= 2 * GLOBAL_MIN_MS,
  );
  if (early.length === 0 || quick.length !== early.length) return undefined;
  return `**${name} misses "a resumed command's next interval within one global interval of its ideal"** — ${early.map((e) => `${e.c.id} after ${secs(e.j.toMs - e.j.fromMs)} away: ${secs(e.j.acrossMs)} across it for ${secs(e.c.idealMs)}`).join("; ")}. Why: the current rule measures lateness from the last start before the pause or outage, so on its return the command is overdue and starts at the first free tick (within ${secs(Math.max(...quick.map((e) => (e.j.firstStartMs ?? 0) - e.j.toMs)))} here). Counting only the time it could run, the interval across the gap is then too short: the command is credited with the time it was away (issue 10's rule 4 says that time is not owed).`;
}

export function accuracyNotes(
  acc: AccuracyResult[],
  missed: (prefix: string) => boolean,
): string[] {
  const notes: (string | undefined)[] = [];
  const f1 = find(acc, "F1");
  if (f1 && missed("F1: every mean")) notes.push(f1Note(acc, f1));
  const w1 = find(acc, "W1");
  if (w1 && missed("W1: every command")) notes.push(w1Note(acc, w1));
  const p1 = find(acc, "P1");
  if (p1 && missed("P1: every command")) notes.push(p1Note(p1));
  const l1 = find(acc, "L1");
  if (l1 && missed("L1: every command")) notes.push(l1Note(l1));
  for (const { case: w, result } of acc) {
    if (w.name !== "F1" && missed(`${w.name}: every mean`))
      notes.push(sameAsF1Note(w.name, result));
    if (missed(`${w.name}: a resumed`)) notes.push(dynamicsNote(w.name, result));
  }
  return notes.filter((n): n is string => n !== undefined).flatMap((n) => [n, ""]);
}
