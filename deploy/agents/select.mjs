// The agents an image installs: of everything package-lock.json pins, only those its AGENTS
// build arg names (a comma list of profile names; container/Dockerfile). Run where the
// packages are installed, with this directory's package.json:
//   node select.mjs keep <agents>    package.json's dependencies become the chosen agents'
//                                    packages: `npm prune --offline` then removes the others
//                                    from what `npm ci` installed (npm ci installs a lockfile
//                                    whole or not at all);
//   node select.mjs check <agents>   every chosen agent's programs are in node_modules/.bin,
//                                    executable, and no other agent's package is left.
// The agents and their packages are package.json's "ampaAgents" (profile name → package);
// a name that is none of them is refused, naming them, before anything changes.
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [mode, list = ""] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync("package.json", "utf8"));
const agents = manifest.ampaAgents;

function fail(message, code = 2) {
  process.stderr.write(`select-agents: ${message}\n`);
  process.exit(code);
}

/** The names in `list`, each one of `agents`, once each, in the order given. */
function chosen() {
  const known = Object.keys(agents).join(", ");
  const names = list
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) fail(`AGENTS names no agent: give one or more of ${known}`);
  for (const name of names)
    if (!Object.hasOwn(agents, name))
      fail(`AGENTS: unknown agent ${JSON.stringify(name)}: one of ${known}`);
  return [...new Set(names)];
}

/** package.json's dependencies: the chosen agents' packages, at their pinned versions. */
function keep(names) {
  const dependencies = {};
  for (const name of names) {
    const pkg = agents[name];
    const version = manifest.dependencies?.[pkg];
    if (!version) fail(`agent ${name}: its package ${pkg} is not in dependencies`, 1);
    dependencies[pkg] = version;
  }
  writeFileSync("package.json", `${JSON.stringify({ ...manifest, dependencies }, null, 2)}\n`);
}

/** The program names a package's manifest says it installs. */
function binsOf(pkg) {
  const { name, bin } = JSON.parse(readFileSync(join("node_modules", pkg, "package.json"), "utf8"));
  if (typeof bin === "string") return [name.split("/").at(-1)];
  return Object.keys(bin ?? {});
}

function check(names) {
  const problems = [];
  for (const [name, pkg] of Object.entries(agents)) {
    const installed = existsSync(join("node_modules", pkg, "package.json"));
    if (!names.includes(name)) {
      if (installed) problems.push(`agent ${name} (${pkg}) is installed but not chosen`);
      continue;
    }
    if (!installed) {
      problems.push(`agent ${name}: ${pkg} is not installed`);
      continue;
    }
    for (const bin of binsOf(pkg)) {
      try {
        accessSync(join("node_modules", ".bin", bin), constants.X_OK);
      } catch {
        problems.push(`agent ${name}: node_modules/.bin/${bin} is missing or not executable`);
      }
    }
  }
  if (problems.length > 0) fail(problems.join("; "), 1);
  process.stdout.write(`agents: ${names.join(", ")}\n`);
}

if (mode === "keep") keep(chosen());
else if (mode === "check") check(chosen());
else fail("usage: node select.mjs keep|check <agent>[,<agent>…]");
