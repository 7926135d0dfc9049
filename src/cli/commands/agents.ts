import type { Command as Program } from "commander";
import { findOnPath } from "../../lib/adapters/process/programs.js";
import { AGENT_NAMES, BUILT_IN_AGENTS } from "../../lib/app/agents/profiles.js";
import { JSON_FLAG, out, outJson } from "../shared.js";

/** `ampa agents`: the built-in agent profiles and whether each program is on PATH here. */
export function registerAgents(program: Program): void {
  program
    .command("agents")
    .description("list the agent profiles (argv, output, API key) and whether each is on PATH")
    .option(...JSON_FLAG)
    .action((flags: { json?: boolean }) => {
      const rows = AGENT_NAMES.map((name) => {
        const p = BUILT_IN_AGENTS[name];
        return {
          name,
          program: p.program,
          args: [...p.args],
          output: p.output,
          apiKeyEnv: [...p.apiKeyEnv],
          onPath: findOnPath(p.program) !== undefined,
        };
      });
      if (flags.json) {
        outJson({ agents: rows });
        return;
      }
      for (const r of rows)
        out(
          `${r.name.padEnd(9)} ${r.onPath ? "on PATH " : "missing "} ${[r.program, ...r.args].join(" ")}  (${r.output}; key: ${r.apiKeyEnv.join(" or ")})`,
        );
    });
}
