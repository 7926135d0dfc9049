import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import GithubSlugger from "github-slugger";
import { afterEach, describe, expect, it } from "vitest";

/**
 * README.md and the pages under docs/ link to each other and to headings by relative links.
 * A moved section or a renamed heading breaks them silently on GitHub; these checks do not.
 */
const root = resolve(import.meta.dirname, "../..");

/** Fenced code blocks blanked out (line numbers kept): nothing in them is a link or heading. */
function withoutFences(text: string): string {
  let fence: string | undefined;
  return text
    .split("\n")
    .map((line) => {
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined && marker !== undefined) fence = marker;
      else if (fence !== undefined && marker?.startsWith(fence)) fence = undefined;
      else if (fence === undefined) return line;
      return "";
    })
    .join("\n");
}

/** Code spans blanked out too; a span may wrap lines but not cross a paragraph. */
function prose(text: string): string {
  return withoutFences(text).replace(/(`+)(?:(?!\n[ \t]*\n)[\s\S])*?\1/g, (span) =>
    span.replace(/[^\n]/g, " "),
  );
}

/** The anchors GitHub gives a page's headings: its slugs, duplicates numbered -1, -2, … */
function anchors(text: string): Set<string> {
  const slugger = new GithubSlugger();
  const found = new Set<string>();
  for (const line of withoutFences(text).split("\n")) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    // GitHub slugs the rendered text: a link in a heading counts as its text.
    found.add(slugger.slug(heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")));
  }
  return found;
}

interface Link {
  line: number;
  target: string;
}

function links(text: string): Link[] {
  const found: Link[] = [];
  const lines = prose(text).split("\n");
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ line: i + 1, target: m[1] ?? "" });
    }
  });
  return found;
}

/** The file a relative link points at, or undefined for an external one (http:, mailto:). */
function linkedFile(from: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  const path = target.split("#")[0] ?? "";
  return path === "" ? from : resolve(dirname(from), decodeURIComponent(path));
}

/** Every broken relative link in `files`, as `file:line: target: why`. */
function brokenLinks(base: string, files: string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    for (const { line, target } of links(readFileSync(file, "utf8"))) {
      const linked = linkedFile(file, target);
      if (linked === undefined) continue;
      const where = `${relative(base, file)}:${line}: ${target}`;
      const anchor = target.includes("#") ? target.slice(target.indexOf("#") + 1) : undefined;
      if (!existsSync(linked)) broken.push(`${where}: no file ${relative(base, linked)}`);
      else if (anchor !== undefined && linked.endsWith(".md")) {
        const slug = decodeURIComponent(anchor);
        if (!anchors(readFileSync(linked, "utf8")).has(slug)) {
          broken.push(`${where}: no heading #${slug} in ${relative(base, linked)}`);
        }
      }
    }
  }
  return broken;
}

/** The markdown pages reached from `start` by following relative links to .md files. */
function reachable(start: string): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const { target } of links(readFileSync(file, "utf8"))) {
      const linked = linkedFile(file, target);
      if (linked?.endsWith(".md") && existsSync(linked) && !seen.has(linked)) {
        seen.add(linked);
        queue.push(linked);
      }
    }
  }
  return seen;
}

function pages(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(dir, name))
    .sort();
}

describe("the docs' links", () => {
  const readme = join(root, "README.md");
  const docs = pages(join(root, "docs"));

  it("README.md and every page under docs/ link only to files and headings that exist", () => {
    expect(brokenLinks(root, [readme, ...docs])).toEqual([]);
  });

  it("reaches every page under docs/ from README.md", () => {
    const reached = reachable(readme);
    expect(docs.filter((page) => !reached.has(page)).map((p) => relative(root, p))).toEqual([]);
  });

  it("keeps README.md to 300 lines", () => {
    expect(readFileSync(readme, "utf8").trimEnd().split("\n").length).toBeLessThanOrEqual(300);
  });
});

describe("the link check", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  function site(files: Record<string, string>): string {
    dir = mkdtempSync(join(tmpdir(), "ampa-links-"));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  }

  it("reports a link to a missing file and an anchor no heading has", () => {
    const base = site({
      "README.md": [
        "# Tool",
        "See [the guide](docs/guide.md#set-up), [gone](docs/gone.md),",
        "[a typo](docs/guide.md#setup), [the second](docs/guide.md#set-up-1) and [here](#tool).",
      ].join("\n"),
      "docs/guide.md": "# Guide\n\n## Set up\n\n## Set up\n\n![shot](shot.png)\n",
    });
    expect(brokenLinks(base, [join(base, "README.md"), join(base, "docs/guide.md")])).toEqual([
      "README.md:2: docs/gone.md: no file docs/gone.md",
      "README.md:3: docs/guide.md#setup: no heading #setup in docs/guide.md",
      "docs/guide.md:7: shot.png: no file docs/shot.png",
    ]);
  });

  it("ignores links in code and external links", () => {
    const base = site({
      "README.md": [
        "# Tool",
        "```md",
        "[fenced](missing.md)",
        "```",
        "`[in a span](missing.md)` and [the site](https://example.com/#nowhere).",
      ].join("\n"),
    });
    expect(brokenLinks(base, [join(base, "README.md")])).toEqual([]);
  });

  it("slugs headings as GitHub does", () => {
    const text =
      "# `ampa dashboard`\n## Discord, heartbeats: health!\n## A\n## A\n#not-a-heading\n";
    expect([...anchors(text)]).toEqual(["ampa-dashboard", "discord-heartbeats-health", "a", "a-1"]);
  });
});
