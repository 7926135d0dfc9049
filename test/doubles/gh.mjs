// Test double for `gh pr view <number> --repo <owner/repo> --json merged`. gh.json holds
// {prs: {"owner/repo#123": {"merged": true}}}.
import { readFixture, record, writeOut } from "./common.mjs";

record("gh");
const argv = process.argv.slice(2);
const [area, verb, number] = argv;
const repo = argv[argv.indexOf("--repo") + 1];
if (area !== "pr" || verb !== "view" || !argv.includes("--repo") || argv.at(-2) !== "--json") {
  writeOut(2, `unsupported gh call: ${argv.join(" ")}\n`);
  process.exit(1);
}
const pr = readFixture("gh.json", { prs: {} }).prs?.[`${repo}#${number}`];
if (!pr) {
  writeOut(2, `GraphQL: Could not resolve to a PullRequest with the number of ${number}.\n`);
  process.exit(1);
}
writeOut(1, `${JSON.stringify({ merged: Boolean(pr.merged) }, null, 2)}\n`);
