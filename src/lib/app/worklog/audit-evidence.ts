import type { ToolOptions, ToolRunner } from "../../core/ports.js";
import { findPullRequests, PR_MERGED } from "./audit-text.js";

/** Merged-PR evidence in the audit output, as the issue defines it. */
export async function mergedEvidence(
  deps: { runTool: ToolRunner; gh: () => ToolOptions },
  output: string,
  s: { verifyPrWithGh: boolean },
): Promise<{ merged: boolean; note: string }> {
  const prs = findPullRequests(output);
  if (prs.length === 0) {
    return PR_MERGED.test(output)
      ? { merged: true, note: 'the audit says "PR merged"' }
      : { merged: false, note: "no merged-PR evidence" };
  }
  if (!s.verifyPrWithGh) {
    return /\bmerged\b/i.test(output)
      ? { merged: true, note: `${prs[0]?.url} reported merged (not verified with gh)` }
      : { merged: false, note: "a PR is mentioned but not reported merged" };
  }
  for (const pr of prs) {
    const result = await deps.runTool(
      "gh",
      ["pr", "view", pr.number, "--repo", pr.repo, "--json", "merged"],
      deps.gh(),
    );
    if (result.exitCode !== 0) {
      if (result.missing) return { merged: false, note: "gh is not on PATH: PR not verified" };
      continue;
    }
    try {
      if ((JSON.parse(result.stdout) as { merged?: unknown }).merged === true)
        return { merged: true, note: `gh confirms ${pr.url} is merged` };
    } catch {
      // Not JSON: not verified.
    }
  }
  return { merged: false, note: "gh did not confirm a merged PR" };
}
