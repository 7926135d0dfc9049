/**
 * The environment of every program AMPA starts (shell commands, wl, gh, git via wl,
 * agents, the summarizer): built here from an allowlist, never inherited whole. The
 * worker holds AMPA's secrets (webhook, metrics token, store endpoint, the claim) and,
 * on AWS, its role's credentials; the programs it runs act on untrusted text and get
 * none of them.
 */

/** Operator setting: more variables to pass, comma-separated names or `PREFIX_*` patterns. */
export const PASSTHROUGH_VARIABLE = "AMPA_CHILD_ENV_PASSTHROUGH";

/** What any program needs to run: its PATH, home, user, locale, time zone, CA bundles. */
const ALLOWED = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "TERM",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  // The region names no secret; the SDKs and the aws CLI want it.
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
]);
const ALLOWED_PREFIXES = ["LC_"];

/** The worker's AWS credentials, however the SDK would find them. */
const AWS_CREDENTIALS = new Set([
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONFIG_FILE",
]);
const AWS_CREDENTIAL_PREFIXES = ["AWS_CONTAINER_CREDENTIALS_", "AWS_CONTAINER_AUTHORIZATION_TOKEN"];

/**
 * AMPA's secrets and the scheduler's own state, by name: never passed, whatever the
 * passthrough says. A pattern, so a later secret setting (a store key) is covered too.
 */
const WITHHELD_AMPA = /^AMPA_\w*(WEBHOOK|TOKEN|KEY|SECRET|PASSW|CLAIM|ENDPOINT|TABLE|STORE|CRED)/;

/** Whether `name` carries the worker's AWS credentials (or where to find them). */
export function isAwsCredential(name: string): boolean {
  return AWS_CREDENTIALS.has(name) || AWS_CREDENTIAL_PREFIXES.some((p) => name.startsWith(p));
}

/** Whether `name` is never passed through: an AMPA secret or state, or AWS credentials. */
export function isWithheld(name: string): boolean {
  return WITHHELD_AMPA.test(name) || isAwsCredential(name);
}

/** Parsed passthrough: exact names, and prefixes from `PREFIX_*` patterns. */
interface Passthrough {
  names: Set<string>;
  prefixes: string[];
}

/** `NAME,OTHER,PREFIX_*` → names and prefixes; blanks and malformed entries are ignored. */
export function parsePassthrough(value: string | undefined): Passthrough {
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of (value ?? "").split(",").map((e) => e.trim())) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry)) names.add(entry);
    else if (/^[A-Za-z_][A-Za-z0-9_]*\*$/.test(entry)) prefixes.push(entry.slice(0, -1));
  }
  return { names, prefixes };
}

/**
 * Whether the passthrough lets `name` through. A pattern never matches an `AMPA_*` or
 * `AWS_*` name: those pass only when named exactly (and never when withheld).
 */
function passes(name: string, through: Passthrough): boolean {
  if (isWithheld(name)) return false;
  if (through.names.has(name)) return true;
  if (name.startsWith("AMPA_") || name.startsWith("AWS_")) return false;
  return through.prefixes.some((prefix) => name.startsWith(prefix));
}

export interface ChildEnvOptions {
  /** What the run adds on purpose: the workspace's `env/*` secrets, GH_TOKEN, git's auth. */
  extra?: Readonly<Record<string, string>>;
  /** A shell command whose definition opts in: the worker's AWS credential variables too. */
  inheritAwsCredentials?: boolean;
}

/**
 * A child's environment from the worker's `parent`: the allowlist, what the passthrough
 * setting (read from `parent`) names, the worker's AWS credentials only when asked, and
 * `extra` laid over all of it.
 */
export function childEnv(
  parent: Readonly<Record<string, string | undefined>>,
  opts: ChildEnvOptions = {},
): Record<string, string> {
  const through = parsePassthrough(parent[PASSTHROUGH_VARIABLE]);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    const base = ALLOWED.has(name) || ALLOWED_PREFIXES.some((p) => name.startsWith(p));
    const aws = opts.inheritAwsCredentials === true && isAwsCredential(name);
    if (base || aws || passes(name, through)) env[name] = value;
  }
  return { ...env, ...opts.extra };
}
