import type { SSMClient } from "@aws-sdk/client-ssm";
import { registerSecret } from "../core/secrets.js";

/**
 * The SSM client, loaded on the first read rather than at cold start: most invocations
 * read no secret, and the client is a large share of a function's load time.
 */
const loadSsm = () => import("./ssm-sdk.js");

/** A secret read on demand: undefined when it is not configured. */
export type SecretSource = () => Promise<string | undefined>;

export interface SsmSecretOptions {
  /** The SecureString's name, e.g. `/ampa/prod/metrics-token`. */
  name: string;
  region: string;
  /** How long a read (or a missing parameter) is reused in this container. */
  cacheMs: number;
  ssm?: SSMClient;
  clock?: () => number;
}

/**
 * An SSM SecureString, read with decryption and cached for `cacheMs` per container (a
 * rotated secret is picked up after that). Quotes and spaces around the value are
 * dropped, the value is registered for log redaction, a missing parameter (or an empty
 * one) means "not configured"; any other SSM error is thrown.
 */
export function ssmSecret(opts: SsmSecretOptions): SecretSource {
  const clock = opts.clock ?? Date.now;
  let cached: { value: string | undefined; at: number } | undefined;
  let client = opts.ssm;
  return async () => {
    if (cached && clock() - cached.at < opts.cacheMs) return cached.value;
    const sdk = await loadSsm();
    client ??= new sdk.SSMClient({ region: opts.region });
    let value: string | undefined;
    try {
      const { Parameter } = await client.send(
        new sdk.GetParameterCommand({ Name: opts.name, WithDecryption: true }),
      );
      value =
        Parameter?.Value?.trim()
          .replace(/^(["'])(.*)\1$/s, "$2")
          .trim() || undefined;
    } catch (err) {
      if (!(err instanceof sdk.ParameterNotFound)) throw err;
    }
    if (value) registerSecret(value);
    cached = { value, at: clock() };
    return value;
  };
}

/**
 * A secret from the configuration (environment or `.env`) first, else from SSM when
 * `useSsm`, else undefined.
 */
export function configuredSecret(
  fromConfig: string | undefined,
  ssm: SsmSecretOptions & { useSsm: boolean },
): SecretSource {
  if (fromConfig) {
    registerSecret(fromConfig);
    return () => Promise.resolve(fromConfig);
  }
  if (!ssm.useSsm) return () => Promise.resolve(undefined);
  return ssmSecret(ssm);
}

/** Writes a SecureString (the operator's CLI only: no function may write SSM). */
export async function putSecureString(region: string, name: string, value: string): Promise<void> {
  const sdk = await loadSsm();
  const client = new sdk.SSMClient({ region });
  try {
    await client.send(
      new sdk.PutParameterCommand({
        Name: name,
        Value: value,
        Type: "SecureString",
        Overwrite: true,
      }),
    );
  } finally {
    client.destroy();
  }
}
