/**
 * Whether an audit passed, read from its text as upstream AMPA's workflow reads it (the
 * `audit_recommends_closure` / `audit_does_not_recommend_closure` invariants of its
 * workflow.json), with its false positive closed. Pure.
 *
 * - **pass**: the current audit skill's verdict line "Ready to close: Yes", or the older
 *   "Can this item be closed? Yes", or "all acceptance criteria are met" (or "satisfied")
 *   not preceded by "not"; else a criteria table whose every verdict is `met`.
 * - **fail**: "Ready to close: No", or "Can this item be closed? No".
 * - **unclear**: neither, or both: the item is left where it is.
 * The `## Recommendation` section is read first; only when it says neither (or is
 * missing) does the whole text count.
 */

export type AuditVerdict = "pass" | "fail" | "unclear";

/** The verdict line of the audit skill since mid-2026 (markdown emphasis allowed). */
const READY_LINE = (answer: string) =>
  new RegExp(`^[\\s*_>-]*ready to close[\\s*_]*:[\\s*_]*${answer}\\b`, "im");
const YES = [
  READY_LINE("yes"),
  /can this item be closed\?[\s*_]*yes\b/i,
  /(?<!\bnot\s)(?<!\bnot\sall\s)\ball (?:the )?acceptance criteria (?:are |have been |were )?(?:fully )?(?:met|satisfied)\b/i,
];
const NO = [READY_LINE("no"), /can this item be closed\?[\s*_]*no\b/i];

const says = (text: string, patterns: RegExp[]): boolean => patterns.some((p) => p.test(text));

/** The lines under a `## <name>` heading (any level), up to the next heading. */
export function section(text: string, name: string): string | undefined {
  const lines = text.split("\n");
  const heading = new RegExp(`^\\s*#{1,6}\\s*${name}\\b`, "i");
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^\s*#{1,6}\s/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

function explicit(text: string): AuditVerdict | undefined {
  const yes = says(text, YES);
  const no = says(text, NO);
  if (yes && no) return "unclear";
  if (yes) return "pass";
  if (no) return "fail";
  return undefined;
}

/** Verdicts of a markdown table with a `Verdict` column, lower-cased. */
function tableVerdicts(text: string): string[] {
  const rows = text
    .split("\n")
    .filter((l) => l.trim().startsWith("|"))
    .map((l) =>
      l
        .trim()
        .replace(/^\||\|$/g, "")
        .split("|")
        .map((c) => c.trim().toLowerCase()),
    );
  const column = rows[0]?.indexOf("verdict") ?? -1;
  if (column < 0) return [];
  return rows
    .slice(1)
    .filter((r) => !r.every((c) => /^:?-+:?$/.test(c)))
    .map((r) => r[column] ?? "");
}

export function auditVerdict(output: string): AuditVerdict {
  const recommendation = section(output, "recommendation");
  const stated = (recommendation && explicit(recommendation)) ?? explicit(output);
  if (stated) return stated;
  const verdicts = tableVerdicts(section(output, "acceptance criteria") ?? "");
  return verdicts.length > 0 && verdicts.every((v) => v === "met") ? "pass" : "unclear";
}
