import type { Parameter, SSMClient } from "@aws-sdk/client-ssm";
import type { TaskSecrets, TaskSecretsSource } from "../core/task-ports.js";
import { registerSecret } from "../core/secrets.js";

/** What a parameter under `/ampa/<stage>/env/` may be called to become a variable. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Variables a parameter may not set. The loader and interpreter hooks (PATH, LD_*, DYLD_*,
 * NODE_OPTIONS, NODE_PATH, BASH_ENV, ENV, IFS) would change which programs run or what
 * they load; AMPA_* is AMPA's own configuration; GIT_* would replace the credentials the
 * workspace hands git (GIT_CONFIG_*) or run programs of their own (GIT_SSH_COMMAND);
 * GH_TOKEN comes from `/ampa/<stage>/git-token`.
 */
const RESERVED_NAMES = new Set([
  "PATH",
  "NODE_OPTIONS",
  "NODE_PATH",
  "BASH_ENV",
  "ENV",
  "IFS",
  "GH_TOKEN",
]);
const RESERVED_PREFIXES = ["LD_", "DYLD_", "AMPA_", "GIT_"];

/** Why `name` cannot be a variable of the run, or undefined when it can. */
export function refusedVariable(name: string): string | undefined {
  if (!VARIABLE_NAME.test(name)) return "is not a valid environment variable name";
  const upper = name.toUpperCase();
  if (RESERVED_NAMES.has(upper) || RESERVED_PREFIXES.some((p) => upper.startsWith(p)))
    return "would override a variable AMPA keeps for itself";
  return undefined;
}

export interface SsmTaskSecretsOptions {
  stage: string;
  region: string;
  /** False locally (no SSM): the source is empty and no AWS client is created. */
  useSsm: boolean;
  /** A client to use instead of a new one (tests). */
  ssm?: SSMClient;
}

type SsmModule = typeof import("./ssm-sdk.js");

/**
 * The task secrets from SSM, read with decryption on every call (a task reads them once):
 * the SecureString `/ampa/<stage>/git-token` (missing: no token) and every parameter
 * under `/ampa/<stage>/env/` (recursive, all pages), each exported as the variable named
 * by its last path segment. A parameter whose name is refused, or that repeats a name,
 * is left out with a warning naming the parameter (never its value). Every value is
 * registered for redaction. Other SSM errors are thrown with the parameter path.
 * The SDK is loaded on first use, so nothing pays for it locally or on cold start.
 */
export function ssmTaskSecrets(opts: SsmTaskSecretsOptions): TaskSecretsSource {
  if (!opts.useSsm) return () => Promise.resolve({ env: {}, warnings: [] });
  const prefix = `/ampa/${opts.stage}`;
  let client: SSMClient | undefined = opts.ssm;
  return async () => {
    const sdk = await import("./ssm-sdk.js");
    client ??= new sdk.SSMClient({ region: opts.region });
    const gitToken = await readGitToken(sdk, client, `${prefix}/git-token`);
    const { env, warnings } = toVariables(await readEnvParameters(sdk, client, `${prefix}/env/`));
    const secrets: TaskSecrets = { env, warnings };
    if (gitToken) {
      registerSecret(gitToken);
      secrets.gitToken = gitToken;
    }
    return secrets;
  };
}

async function readGitToken(
  sdk: SsmModule,
  client: SSMClient,
  name: string,
): Promise<string | undefined> {
  try {
    const { Parameter } = await client.send(
      new sdk.GetParameterCommand({ Name: name, WithDecryption: true }),
    );
    return Parameter?.Value?.trim() || undefined;
  } catch (err) {
    if (err instanceof sdk.ParameterNotFound) return undefined;
    throw readError(name, err);
  }
}

async function readEnvParameters(
  sdk: SsmModule,
  client: SSMClient,
  path: string,
): Promise<Parameter[]> {
  const all: Parameter[] = [];
  let next: string | undefined;
  try {
    do {
      const page = await client.send(
        new sdk.GetParametersByPathCommand({
          Path: path,
          Recursive: true,
          WithDecryption: true,
          ...(next ? { NextToken: next } : {}),
        }),
      );
      all.push(...(page.Parameters ?? []));
      next = page.NextToken;
    } while (next);
  } catch (err) {
    throw readError(`${path}*`, err);
  }
  return all;
}

/** Parameters → variables, in name order so a repeated name keeps the same one every time. */
function toVariables(parameters: Parameter[]): Pick<TaskSecrets, "env" | "warnings"> {
  const env: Record<string, string> = {};
  const warnings: string[] = [];
  const named = parameters.filter((p): p is Parameter & { Name: string } => Boolean(p.Name));
  for (const p of named.sort((a, b) => a.Name.localeCompare(b.Name))) {
    const value = p.Value ?? "";
    registerSecret(value);
    const variable = p.Name.split("/").pop() ?? "";
    const refused = refusedVariable(variable);
    if (refused) warnings.push(`SSM parameter ${p.Name}: ${variable} ${refused}; not exported`);
    else if (variable in env)
      warnings.push(`SSM parameter ${p.Name}: ${variable} is already set by another; not exported`);
    else env[variable] = value;
  }
  return { env, warnings };
}

function readError(name: string, err: unknown): Error {
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new Error(`Could not read the task secrets (SSM ${name}): ${reason}`, { cause: err });
}
