import { describe, expect, it } from "vitest";
import { auditVerdict } from "../../src/lib/app/worklog/audit-verdict.js";

describe("auditVerdict", () => {
  it("passes on upstream's closure phrases", () => {
    expect(auditVerdict("## Recommendation\nCan this item be closed? Yes.")).toBe("pass");
    expect(auditVerdict("Can this item be closed? **Yes**")).toBe("pass");
    expect(auditVerdict("All acceptance criteria are met.")).toBe("pass");
    expect(auditVerdict("all acceptance criteria satisfied")).toBe("pass");
  });

  it("reads the audit skill's verdict line, Ready to close: Yes|No, with or without emphasis", () => {
    expect(auditVerdict("## Summary\nAll done.\n\nReady to close: Yes")).toBe("pass");
    expect(auditVerdict("**Ready to close:** Yes")).toBe("pass");
    expect(auditVerdict("- **Ready to close**: yes — every criterion met")).toBe("pass");
    expect(auditVerdict("Ready to close: No\n\nThe tests are missing.")).toBe("fail");
    expect(auditVerdict("**Ready to close:** **No**")).toBe("fail");
    // Only as the verdict line: a sentence that mentions it is not one.
    expect(auditVerdict("The author asked whether it is ready to close: yes, they asked.")).toBe(
      "unclear",
    );
  });

  it("fails on an explicit no", () => {
    expect(auditVerdict("## Recommendation\nCan this item be closed? No, tests missing.")).toBe(
      "fail",
    );
  });

  it("does not read 'not all acceptance criteria are met' as a pass", () => {
    expect(auditVerdict("Not all acceptance criteria are met yet.")).toBe("unclear");
    expect(auditVerdict("The acceptance criteria are not all met.")).toBe("unclear");
  });

  it("reads the Recommendation section before the rest", () => {
    const text = [
      "## Summary",
      "Earlier draft said: can this item be closed? No.",
      "## Recommendation",
      "Can this item be closed? Yes.",
    ].join("\n");
    expect(auditVerdict(text)).toBe("pass");
  });

  it("is unclear when both or neither are said", () => {
    expect(auditVerdict("Can this item be closed? Yes. Can this item be closed? No.")).toBe(
      "unclear",
    );
    expect(auditVerdict("I looked at the code.")).toBe("unclear");
    expect(auditVerdict("")).toBe("unclear");
  });

  it("falls back to a criteria table: all met passes, anything else is unclear", () => {
    const table = (verdicts: string[]) =>
      [
        "## Acceptance Criteria Status",
        "| # | Criterion | Verdict | Evidence |",
        "|---|---|---|---|",
        ...verdicts.map((v, i) => `| ${i + 1} | c${i} | ${v} | e |`),
      ].join("\n");
    expect(auditVerdict(table(["met", "Met"]))).toBe("pass");
    expect(auditVerdict(table(["met", "partial"]))).toBe("unclear");
    expect(auditVerdict(table([]))).toBe("unclear");
  });
});
