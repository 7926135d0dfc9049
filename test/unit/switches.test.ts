import { describe, expect, it } from "vitest";
import { reviewAuditSettings } from "../../src/lib/app/worklog/review-audit.js";
import { auditSettings } from "../../src/lib/app/worklog/audit.js";
import { delegationSettings } from "../../src/lib/app/worklog/checks.js";
import { delegationAuditOnly, switchedOn } from "../../src/lib/core/command-metadata.js";

/** Switches in metadata read as upstream AMPA reads them (`_bool_meta`), so imports keep their meaning. */

describe("metadata switches", () => {
  it.each([true, 1, "1", "true", "TRUE", " yes ", "Y", "on", "On"])("%j is on", (v) => {
    expect(switchedOn(v)).toBe(true);
  });

  it.each([false, 0, "0", "false", "no", "n", "off", "", "maybe", null, undefined, 2, {}])(
    "%j is off",
    (v) => {
      expect(switchedOn(v)).toBe(false);
    },
  );

  it("lets auto_assign_enabled decide over audit_only when present", () => {
    expect(delegationAuditOnly({ audit_only: "yes" })).toBe(true);
    expect(delegationAuditOnly({ auto_assign_enabled: false, audit_only: false })).toBe(true);
    expect(delegationAuditOnly({ auto_assign_enabled: "no" })).toBe(true);
    expect(delegationAuditOnly({ auto_assign_enabled: "on", audit_only: true })).toBe(false);
    expect(delegationAuditOnly({})).toBe(false);
  });

  it("applies them in every command that reads audit_only", () => {
    const delegation = delegationSettings({ auto_assign_enabled: "0" });
    expect(delegation.ok && delegation.settings.auditOnly).toBe(true);
    expect(auditSettings({ audit_only: "y" }, { verifyPrWithGh: true }).auditOnly).toBe(true);
    expect(reviewAuditSettings({ audit_only: "on" })).toMatchObject({
      auditOnly: true,
      ignored: [],
    });
    expect(reviewAuditSettings({ audit_only: "off" }).auditOnly).toBe(false);
  });

  it("reads audit_cooldown_hours, with _in_review as an AMPA command's override", () => {
    expect(reviewAuditSettings({ audit_cooldown_hours: 6 }).cooldownHours).toBe(6);
    expect(
      reviewAuditSettings({ audit_cooldown_hours: 6, audit_cooldown_hours_in_review: 1 })
        .cooldownHours,
    ).toBe(1);
  });
});
