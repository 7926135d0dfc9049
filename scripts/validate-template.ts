// `npm run validate:template [template.json]`: checks the packaged template (`osls package`
// writes .serverless/cloudformation-template-update-stack.json) with two validators the
// team did not write:
//  - cfn-lint (npm), with AWS's current resource specification from @aws-cdk/cfnspec in
//    place of the older one it ships;
//  - cfn-guard 3 (the binary in @cdklabs/cdk-validator-cfnguard) with the AWS Control
//    Tower rules shipped beside it.
// Every Control Tower finding (rule × resource) must be waived in template-waivers.json
// with a reason; anything else fails, and so does a waiver that no longer matches.
// Then cfn-guard with the repository's own rules (deploy/guard/*.guard: least privilege
// on the state table and SSM), which are never waived: any finding fails.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const require = createRequire(import.meta.url);
const ROOT = resolve(import.meta.dirname, "..");

interface Waiver {
  rule: string;
  control: string;
  resources: string[];
  reason: string;
}

/** A failing rule and the template resources it names. */
interface Finding {
  rule: string;
  control: string;
  resources: string[];
  /** The failed clauses' own messages (<<...>> in a rule file). */
  messages: string[];
}

interface LintMessage {
  message: string;
  path: string[];
}

function cfnLint(templatePath: string): { crit: LintMessage[]; warn: LintMessage[] } {
  const awsData = require("cfn-lint/lib/awsData") as {
    awsResources: Record<string, unknown>;
  };
  const spec = require("@aws-cdk/cfnspec/spec/specification.json") as Record<string, unknown>;
  // cfn-lint's own copy (2.29.0) predates resources the template uses (EventInvokeConfig).
  for (const key of ["ResourceTypes", "PropertyTypes", "ResourceSpecificationVersion"])
    awsData.awsResources[key] = spec[key];
  const { validateFile } = require("cfn-lint") as {
    validateFile: (f: string) => { errors: { crit: LintMessage[]; warn: LintMessage[] } };
  };
  return validateFile(templatePath).errors;
}

function guardBinary(): string {
  const pkg = dirname(require.resolve("@cdklabs/cdk-validator-cfnguard/package.json"));
  const os = process.platform === "darwin" ? "macos" : "ubuntu";
  const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
  return join(pkg, "bin", os, arch, "cfn-guard");
}

interface GuardReport {
  compliant: string[];
  not_applicable: string[];
  not_compliant: { Rule: { name: string } }[];
}

/** The AWS Control Tower rules shipped beside the binary. */
function controlTowerRules(): string {
  return join(dirname(dirname(dirname(dirname(guardBinary())))), "rules/control-tower/cfn-guard");
}

/** Runs a rules directory; cfn-guard exits 19 when a rule fails, 0 when none does. */
function cfnGuard(
  templatePath: string,
  rules: string,
): { findings: Finding[]; passed: number; skipped: number } {
  const binary = guardBinary();
  const args = ["validate", "-r", rules, "-d", templatePath, "-z", "-o", "json", "-S", "none"];
  let stdout: string;
  try {
    stdout = execFileSync(binary, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    const e = err as { status?: number; stdout?: string };
    if (e.status !== 19 || !e.stdout) throw err;
    stdout = e.stdout;
  }
  const reports = JSON.parse(stdout) as GuardReport[];
  const byRule = new Map<string, Finding>();
  for (const report of reports)
    for (const failure of report.not_compliant) {
      const finding = byRule.get(failure.Rule.name) ?? {
        rule: failure.Rule.name,
        control: "",
        resources: [],
        messages: [],
      };
      // The resource paths and the control id ([CT.X.PR.n]) are deep in the clause tree.
      JSON.stringify(failure, (key, value: unknown) => {
        if (key === "path" && typeof value === "string") {
          const name = /^\/Resources\/([^/]+)/.exec(value)?.[1];
          if (name && !finding.resources.includes(name)) finding.resources.push(name);
        }
        if (key === "custom_message" && typeof value === "string") {
          finding.control ||= /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(value)?.[1] ?? "";
          const message = value.trim();
          if (!finding.messages.includes(message)) finding.messages.push(message);
        }
        return value;
      });
      byRule.set(finding.rule, finding);
    }
  const failed = new Set(byRule.keys());
  const compliant = new Set(reports.flatMap((r) => r.compliant).filter((n) => !failed.has(n)));
  const skipped = new Set(
    reports.flatMap((r) => r.not_applicable).filter((n) => !failed.has(n) && !compliant.has(n)),
  );
  return { findings: [...byRule.values()], passed: compliant.size, skipped: skipped.size };
}

/** The findings no waiver covers, and the waivers (or their resources) nothing matches. */
function applyWaivers(findings: Finding[], waivers: Waiver[]) {
  const unwaived: string[] = [];
  const used = new Set<string>();
  for (const f of findings)
    for (const resource of f.resources.length ? f.resources : ["(template)"]) {
      const waiver = waivers.find((w) => w.rule === f.rule && w.resources.includes(resource));
      if (waiver) used.add(`${waiver.rule} ${resource}`);
      else unwaived.push(`${f.control} ${f.rule} on ${resource}`);
    }
  const stale = waivers.flatMap((w) =>
    w.resources.filter((r) => !used.has(`${w.rule} ${r}`)).map((r) => `${w.rule} on ${r}`),
  );
  return { unwaived, stale };
}

function main(): number {
  const templatePath = resolve(
    process.argv[2] ?? join(ROOT, ".serverless/cloudformation-template-update-stack.json"),
  );
  if (!existsSync(templatePath)) {
    console.error(`No template at ${templatePath}: run \`npx osls package\` first.`);
    return 2;
  }
  const waivers = JSON.parse(readFileSync(join(ROOT, "template-waivers.json"), "utf8")) as {
    waivers: Waiver[];
  };
  const lint = cfnLint(templatePath);
  for (const m of [...lint.crit, ...lint.warn])
    console.log(`cfn-lint: ${m.path.join("/")}: ${m.message}`);
  console.log(
    `cfn-lint (spec ${require("@aws-cdk/cfnspec/spec/specification.json").ResourceSpecificationVersion}): ${lint.crit.length} errors, ${lint.warn.length} warnings`,
  );

  const guard = cfnGuard(templatePath, controlTowerRules());
  const { unwaived, stale } = applyWaivers(guard.findings, waivers.waivers);
  const waivedRules = guard.findings.filter((f) =>
    waivers.waivers.some((w) => w.rule === f.rule),
  ).length;
  console.log(
    `cfn-guard Control Tower: ${guard.passed} rules passed, ${guard.findings.length} failed ` +
      `(${waivedRules} waived, ${guard.findings.length - waivedRules} not), ${guard.skipped} not applicable`,
  );
  console.log(
    `  findings (rule × resource): ${guard.findings.reduce((n, f) => n + Math.max(1, f.resources.length), 0)} before waivers, ${unwaived.length} after`,
  );
  for (const u of unwaived) console.log(`  NOT WAIVED: ${u}`);
  for (const s of stale) console.log(`  STALE WAIVER (matches nothing; remove it): ${s}`);

  const own = cfnGuard(templatePath, join(ROOT, "deploy/guard"));
  console.log(
    `cfn-guard deploy/guard (never waived): ${own.passed} rules passed, ${own.findings.length} failed`,
  );
  for (const f of own.findings)
    console.log(`  FAILED: ${f.rule} on ${f.resources.join(", ")}: ${f.messages.join("; ")}`);
  const ok =
    lint.crit.length === 0 &&
    unwaived.length === 0 &&
    stale.length === 0 &&
    own.findings.length === 0;
  console.log(ok ? "template: OK" : "template: FAILED");
  return ok ? 0 : 1;
}

process.exitCode = main();
