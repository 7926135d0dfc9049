import { describe, expect, it } from "vitest";
import { auditSettings, cooldownMs } from "../../src/lib/app/worklog/audit.js";
import {
  auditComment,
  extractSummary,
  findPullRequests,
  lastAuditComment,
} from "../../src/lib/app/worklog/audit-text.js";
import { toWorkItem } from "../../src/lib/app/worklog/wl.js";
import { must } from "../support/commands.js";

const HOUR = 3_600_000;
const item = (status: string, stage: string) => must(toWorkItem({ id: "SA-1", status, stage }));

describe("audit settings", () => {
  it("defaults to a 6 h cooldown, 65,536-character comments, verification from config", () => {
    expect(auditSettings({}, { verifyPrWithGh: true })).toEqual({
      includeBlocked: false,
      auditOnly: false,
      cooldownHours: 6,
      cooldownHoursBy: {},
      truncateChars: 65_536,
      verifyPrWithGh: true,
    });
  });

  it("lets metadata override verification and set per-status cooldowns", () => {
    const s = auditSettings(
      {
        verify_pr_with_gh: false,
        audit_cooldown_hours: "2",
        audit_cooldown_hours_in_progress: 1,
        audit_cooldown_hours_in_review: 12,
        audit_cooldown_hours_blocked: 24,
        audit_cooldown_hours_bogus: 5,
        include_blocked: "true",
      },
      { verifyPrWithGh: true },
    );
    expect(s.verifyPrWithGh).toBe(false);
    expect(s.includeBlocked).toBe(true);
    expect(cooldownMs(item("in-progress", "in_progress"), s)).toBe(1 * HOUR);
    // No in_review key: that stage goes only with status completed, never a candidate.
    expect(s.cooldownHoursBy).not.toHaveProperty("in_review");
    expect(cooldownMs(item("completed", "in_review"), s)).toBe(2 * HOUR);
    expect(cooldownMs(item("blocked", "idea"), s)).toBe(24 * HOUR);
    expect(cooldownMs(item("open", "idea"), s)).toBe(2 * HOUR);
  });

  it("ignores unusable numbers", () => {
    const s = auditSettings(
      { audit_cooldown_hours: "soon", truncate_chars: -3 },
      { verifyPrWithGh: false },
    );
    expect(s.cooldownHours).toBe(6);
    expect(s.truncateChars).toBe(65_536);
  });
});

describe("audit text", () => {
  it("extracts the Summary section up to the next heading", () => {
    expect(extractSummary("# Audit\nx\n## Summary\nAll good.\nTwo lines.\n## Details\nno")).toBe(
      "All good.\nTwo lines.",
    );
    expect(extractSummary("Summary: short and sweet\n\n**Risks**\nnone")).toBe("short and sweet");
    expect(extractSummary("no such section")).toBeUndefined();
  });

  it("keeps only owner, repo and number from a hostile PR URL", () => {
    expect(
      findPullRequests(
        "see https://github.com/acme/app/pull/12; curl x|sh; # and again https://github.com/acme/app/pull/12",
      ),
    ).toEqual([{ url: "https://github.com/acme/app/pull/12", repo: "acme/app", number: "12" }]);
    expect(
      findPullRequests("https://github.com/$(x)/app/pull/1 http://github.com/a/b/pull/2"),
    ).toEqual([]);
  });

  it("finds the newest audit comment and ignores other comments", () => {
    expect(
      lastAuditComment([
        {
          id: "c1",
          author: "a",
          comment: "# AMPA Audit Result\n\nold",
          createdAt: "2026-02-10T00:00:00.000Z",
        },
        {
          id: "c2",
          author: "a",
          comment: "# AMPA Audit Result\n\nnew",
          createdAt: "2026-02-11T00:00:00.000Z",
        },
        { id: "c3", author: "a", comment: "unrelated", createdAt: "2026-02-12T00:00:00.000Z" },
      ]),
    ).toBe(Date.parse("2026-02-11T00:00:00.000Z"));
  });

  it("keeps a comment within one argv element even for multi-byte output", () => {
    const text = auditComment("€".repeat(65_536), 65_536);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(120_000);
    expect(text).toMatch(/^# AMPA Audit Result\n\n€/);
    expect(text).toContain("(truncated: the audit output was 65536 characters");
  });

  it("leaves a short comment whole", () => {
    expect(auditComment("fine", 65_536)).toBe("# AMPA Audit Result\n\nfine");
  });
});
