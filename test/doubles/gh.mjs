// Test double for the gh calls AMPA makes, as the real gh answers them. gh.json holds
//   {prs: {"owner/repo#123": {"merged": true}},          // gh pr view <n> --repo R --json merged
//    open: [{number, title, url, headRefName, headRefOid, …}],   // gh pr list --state open
//    checks: {"123": [{name, bucket, state, link, …}]}}         // gh pr checks 123
// `--json a,b` prints only those fields (an unknown one is an error, as in gh). gh pr checks
// exits 1 when a check fails and 8 while one is pending (JSON on stdout either way), and
// with no checks prints "no checks reported on the '<branch>' branch" on stderr, exit 1.
import { override, readFixture, record, writeOut } from "./common.mjs";

record("gh");
const state = readFixture("gh.json", { prs: {} });
await override(state, "gh.json");
const argv = process.argv.slice(2);
const [area, verb, number] = argv;
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const fail = (message, code = 1) => {
  writeOut(2, `${message}\n`);
  process.exit(code);
};

const PR_FIELDS = [
  "number",
  "title",
  "url",
  "headRefName",
  "headRefOid",
  "state",
  "isDraft",
  "updatedAt",
];
const CHECK_FIELDS = [
  "bucket",
  "completedAt",
  "description",
  "event",
  "link",
  "name",
  "startedAt",
  "state",
  "workflow",
];
function pick(entries, known) {
  const fields = (option("--json") ?? "").split(",").filter(Boolean);
  const unknown = fields.find((f) => !known.includes(f));
  if (unknown) fail(`Unknown JSON field: "${unknown}"`);
  // Non-objects pass as they are: tests feed hostile shapes through the double.
  return entries.map((e) =>
    e && typeof e === "object"
      ? Object.fromEntries(fields.filter((f) => f in e).map((f) => [f, e[f]]))
      : e,
  );
}

if (area !== "pr") fail(`unsupported gh call: ${argv.join(" ")}`);
if (verb === "view") {
  const repo = option("--repo");
  if (!repo || argv.at(-2) !== "--json") fail(`unsupported gh call: ${argv.join(" ")}`);
  const pr = state.prs?.[`${repo}#${number}`];
  if (!pr) fail(`GraphQL: Could not resolve to a PullRequest with the number of ${number}.`);
  writeOut(1, `${JSON.stringify({ merged: Boolean(pr.merged) }, null, 2)}\n`);
  process.exit(0);
}
if (verb === "list") {
  if (!option("--json")) fail("unsupported gh call: gh pr list without --json");
  const limit = Number(option("--limit") ?? 30);
  const open = Array.isArray(state.open) ? state.open : [];
  writeOut(1, `${JSON.stringify(pick(open.slice(0, limit), PR_FIELDS))}\n`);
  process.exit(0);
}
if (verb === "checks") {
  const pr = (state.open ?? []).find((p) => String(p.number) === number);
  if (!pr) fail(`GraphQL: Could not resolve to a PullRequest with the number of ${number}.`);
  const checks = state.checks?.[number] ?? [];
  if (checks.length === 0) fail(`no checks reported on the '${pr.headRefName}' branch`);
  writeOut(1, `${JSON.stringify(pick(checks, CHECK_FIELDS))}\n`);
  const buckets = checks.map((c) => c.bucket);
  process.exit(buckets.includes("fail") ? 1 : buckets.includes("pending") ? 8 : 0);
}
fail(`unsupported gh call: ${argv.join(" ")}`);
