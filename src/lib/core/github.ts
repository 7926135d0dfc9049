/**
 * GitHub's names as AMPA accepts them: a repository (`owner/name`), a pull request's
 * reference (`<repo>#<number>`) and its URL, built here only from parts that match
 * GitHub's rules. Text from `gh` is untrusted: a URL it prints is never passed on as is.
 */

/** An owner (user or organisation): letters, digits and hyphens, 1-39, no leading hyphen. */
const OWNER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
/** A repository's name: letters, digits, `_`, `.` and `-`, 1-100, never `.` or `..`. */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** A pull request's number: positive, no leading zero, within GitHub's 32-bit ids. */
const NUMBER = /^[1-9]\d{0,9}$/;
const MAX_NUMBER = 2_147_483_647;

/** `owner/name`, each part within GitHub's characters (never an option or a path). */
export function isRepository(text: string): boolean {
  const [owner, name, ...rest] = text.split("/");
  return (
    rest.length === 0 &&
    OWNER.test(owner ?? "") &&
    NAME.test(name ?? "") &&
    name !== "." &&
    name !== ".."
  );
}

const isNumber = (text: string) => NUMBER.test(text) && Number(text) <= MAX_NUMBER;

/**
 * The PR's URL, `https://github.com/<owner>/<repo>/pull/<number>`, built from its parts:
 * only when `url` has exactly that shape and that very number; undefined for anything
 * else (another scheme or host, a path, query or fragment more, another PR).
 */
export function pullRequestUrl(url: string, number: number): string | undefined {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/pull\/(\d+)$/.exec(url);
  const [, repo, n] = m ?? [];
  if (!repo || !n || !isRepository(repo) || !isNumber(n) || Number(n) !== number) return undefined;
  return `https://github.com/${repo}/pull/${n}`;
}

/** A pull request: its repository (`""` for the one the command runs in) and number. */
export interface PullRequestRef {
  repo: string;
  number: number;
}

/** `<repo>#<number>` (`#12` for the command's own repository), as the PR monitor keys it. */
export const pullRequestRef = (pr: PullRequestRef): string => `${pr.repo}#${pr.number}`;

/** The reference `pullRequestRef` made, or undefined when the text is not one. */
export function parsePullRequestRef(text: string): PullRequestRef | undefined {
  const at = text.lastIndexOf("#");
  const repo = text.slice(0, Math.max(at, 0));
  const number = text.slice(at + 1);
  if (at < 0 || (repo !== "" && !isRepository(repo)) || !isNumber(number)) return undefined;
  return { repo, number: Number(number) };
}

/** How a PR is named to a person: `PR #12 of acme/app`, or `PR #12`. */
export const pullRequestName = (pr: PullRequestRef): string =>
  `PR #${pr.number}${pr.repo ? ` of ${pr.repo}` : ""}`;
