import type * as z from "zod";
import type { RunClaim } from "./command.js";
import { runClaimSchema } from "./run-record.js";

/**
 * The claim as it travels from the tick to whatever runs it: the runCommand event, a task
 * worker's AMPA_CLAIM. One codec for both dispatchers and both receivers, so that a
 * receiver never refuses what a dispatcher sent.
 */

/** Exactly the schema's fields, checked before the claim leaves. */
export function claimPayload(claim: RunClaim): RunClaim {
  const { commandId, runId, startedAt, leaseExpiresAt, trigger } = claim;
  return runClaimSchema.parse({ commandId, runId, startedAt, leaseExpiresAt, trigger });
}

/** The payload as JSON text (a task's environment variable, an invocation's body). */
export function encodeClaim(claim: RunClaim): string {
  return JSON.stringify(claimPayload(claim));
}

/** A received claim, or the schema's issues and them as one line of `path: message`. */
export type ParsedClaim =
  { ok: true; claim: RunClaim } | { ok: false; issues: z.core.$ZodIssue[]; problem: string };

/** Checks a received payload (an event already parsed by Lambda). */
export function parseClaim(payload: unknown): ParsedClaim {
  const parsed = runClaimSchema.safeParse(payload);
  if (parsed.success) return { ok: true, claim: parsed.data };
  const { issues } = parsed.error;
  return {
    ok: false,
    issues,
    problem: issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
  };
}

/** Checks a payload received as JSON text; text that is no JSON is no claim. */
export function decodeClaim(json: string): ParsedClaim {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    raw = undefined;
  }
  return parseClaim(raw);
}
