import * as z from "zod";

/**
 * The coding agents AMPA dispatches work to, as data: which program, the argv that runs it
 * unattended with machine-readable output, how that output reads (output.ts), and which
 * API key it wants. The prompt is always one argv element, put where the template's
 * `{prompt}` element stands: never a shell string, never split, never joined to a flag.
 *
 * Each built-in was checked against the CLI's own documentation or source (docs/worklog.md,
 * "Agents"): opencode (opencode.ai/docs/cli), pi (pi-mono coding-agent docs/json.md and
 * src/cli/args.ts), Claude Code (headless docs, CHANGELOG), Codex (docs/exec.md),
 * Gemini CLI (docs/cli/headless.md, packages/core/src/output/types.ts).
 */

/** How a profile's stdout reads (output.ts). */
export const OUTPUT_FORMATS = [
  "text",
  "opencode-json",
  "pi-json",
  "claude-stream-json",
  "codex-json",
  "gemini-stream-json",
] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The element of an argv template the prompt replaces. */
export const PROMPT = "{prompt}";

export interface AgentProfile {
  /** Its name in metadata (`agent`), `ampa agents` and the cost metrics; `custom` for a custom one. */
  name: string;
  /** A bare name looked up on PATH, or an absolute path. */
  program: string;
  /** The argv after the program; exactly one element is `{prompt}`. */
  args: readonly string[];
  output: OutputFormat;
  /** The environment variables its API key may be in (any one of them). */
  apiKeyEnv: readonly string[];
}

export const BUILT_IN_AGENTS = {
  // `--format json`: one JSON event per line (step_start, text, tool_use, step_finish, error).
  opencode: {
    name: "opencode",
    program: "opencode",
    args: ["run", "--format", "json", PROMPT],
    output: "opencode-json",
    apiKeyEnv: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENROUTER_API_KEY"],
  },
  // `-p` prints and exits; `--mode json` streams every session event. pi reads an argument
  // starting with "-" as a flag and knows no "--": such a prompt is refused (agentArgv).
  pi: {
    name: "pi",
    program: "pi",
    args: ["-p", "--mode", "json", PROMPT],
    output: "pi-json",
    apiKeyEnv: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"],
  },
  // stream-json needs --verbose in print mode; its last line is the `result` object.
  claude: {
    name: "claude",
    program: "claude",
    args: ["-p", "--output-format", "stream-json", "--verbose", "--", PROMPT],
    output: "claude-stream-json",
    apiKeyEnv: ["ANTHROPIC_API_KEY"],
  },
  // `exec` is the non-interactive mode; `--json` streams JSONL thread events.
  codex: {
    name: "codex",
    program: "codex",
    args: ["exec", "--json", "--", PROMPT],
    output: "codex-json",
    apiKeyEnv: ["CODEX_API_KEY", "OPENAI_API_KEY"],
  },
  // `-p` is headless; its value must not start with "-" (yargs would read a flag).
  gemini: {
    name: "gemini",
    program: "gemini",
    args: ["--output-format", "stream-json", "-p", PROMPT],
    output: "gemini-stream-json",
    apiKeyEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  },
} as const satisfies Record<string, AgentProfile>;

export type BuiltInAgent = keyof typeof BUILT_IN_AGENTS;
export const AGENT_NAMES = Object.keys(BUILT_IN_AGENTS) as BuiltInAgent[];

/** The agent of a command that names none and of a stage that sets none: upstream's. */
export const FALLBACK_AGENT: BuiltInAgent = "opencode";

export const isBuiltInAgent = (name: string): name is BuiltInAgent =>
  Object.hasOwn(BUILT_IN_AGENTS, name);

const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, "must be an environment variable name");

/**
 * A custom profile (metadata `agent_profile`): a program and an argv template, no shell.
 * The program is a bare name (found on PATH) or an absolute path; no element may hold a
 * NUL; exactly one element is `{prompt}` and no other mentions it, so the prompt is never
 * spliced into a flag.
 */
export const customProfileSchema = z
  .strictObject({
    program: z
      .string()
      .max(4096)
      .refine(
        (p) => /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/.test(p) || /^\/[^\0]+$/.test(p),
        "must be a bare program name or an absolute path",
      )
      .refine((p) => !p.split("/").includes(".."), "must not contain '..'"),
    args: z
      .array(
        z
          .string()
          .max(4096)
          .refine((a) => !a.includes("\0"), "must not contain NUL"),
      )
      .max(64)
      .refine(
        (a) => a.filter((e) => e === PROMPT).length === 1,
        `must hold "${PROMPT}" once, as a whole element`,
      )
      .refine(
        (a) => a.every((e) => e === PROMPT || !e.includes(PROMPT)),
        `"${PROMPT}" must be an element of its own, not part of one`,
      ),
    output: z.enum(OUTPUT_FORMATS).optional(),
    api_key_env: z.array(envName).max(8).optional(),
  })
  .describe("custom agent profile");
export type CustomProfile = z.infer<typeof customProfileSchema>;

/**
 * The agent keys every type that runs an agent accepts (delegation, triage-audit,
 * review-audit). `agent` names a built-in profile; `agent_profile` gives a custom one
 * (then `agent` must be absent or "custom").
 */
export const agentMetadataSchema = z
  .looseObject({
    agent: z
      .string()
      .refine(
        (a) => isBuiltInAgent(a) || a === "custom",
        `must be one of ${AGENT_NAMES.join(", ")} (or "custom" with agent_profile)`,
      )
      .optional(),
    agent_profile: customProfileSchema.optional(),
  })
  .refine((m) => m.agent !== "custom" || m.agent_profile !== undefined, {
    message: 'agent "custom" needs agent_profile',
    path: ["agent"],
  })
  .refine((m) => m.agent_profile === undefined || m.agent === undefined || m.agent === "custom", {
    message: 'agent_profile goes with agent "custom" (or no agent)',
    path: ["agent_profile"],
  });

export function customProfile(p: CustomProfile): AgentProfile {
  return {
    name: "custom",
    program: p.program,
    args: p.args,
    output: p.output ?? "text",
    apiKeyEnv: p.api_key_env ?? [],
  };
}

/**
 * The profile a command runs: its `agent_profile`, else its `agent`, else the stage's
 * default (AMPA_DEFAULT_AGENT), else opencode. An error names the bad key.
 */
export function commandAgent(
  metadata: Record<string, unknown>,
  stageDefault?: string,
): { ok: true; profile: AgentProfile } | { ok: false; error: string } {
  const parsed = agentMetadataSchema.safeParse(metadata);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: `metadata.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
    };
  }
  const { agent, agent_profile: custom } = parsed.data;
  if (custom) return { ok: true, profile: customProfile(custom) };
  const name = agent ?? stageDefault ?? FALLBACK_AGENT;
  if (!isBuiltInAgent(name)) return { ok: false, error: `unknown agent ${JSON.stringify(name)}` };
  return { ok: true, profile: BUILT_IN_AGENTS[name] };
}

/**
 * The agent of a run no command's metadata speaks for (`ampa delegation`, the delegation
 * function): what commandAgent gives a command that names none. The stage's default is a
 * checked setting (runtime/config-knobs.ts), so an unknown one is a programming error.
 */
export function defaultAgent(stageDefault?: string): AgentProfile {
  const chosen = commandAgent({}, stageDefault);
  if (!chosen.ok) throw new Error(`AMPA_DEFAULT_AGENT: ${chosen.error}`);
  return chosen.profile;
}

/**
 * The argv for one prompt: the template with `{prompt}` replaced by the prompt, whole. A
 * prompt starting with "-" would be read as a flag unless "--" comes before it, so without
 * one it is refused (AMPA's own prompts never start with "-").
 */
export function agentArgv(profile: AgentProfile, prompt: string): string[] {
  const at = profile.args.indexOf(PROMPT);
  if (at < 0) throw new Error(`agent ${profile.name}: its argv has no ${PROMPT} element`);
  if (prompt.startsWith("-") && !profile.args.slice(0, at).includes("--"))
    throw new Error(
      `agent ${profile.name}: refusing a prompt that starts with "-" (it would be read as a flag)`,
    );
  return profile.args.map((a, i) => (i === at ? prompt : a));
}
