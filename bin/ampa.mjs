#!/usr/bin/env node
// The `ampa` admin CLI: the TypeScript sources, bundled on first use (see cli-bundle.mjs).
import { loadCli } from "./cli-bundle.mjs";

// The SDK warns on every run that Node 20 support ends soon; the CLI says so once in the README instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const main = await loadCli();
process.exitCode = await main(process.argv.slice(2));
