#!/usr/bin/env node
// The `ampa` admin CLI: runs the TypeScript source through tsx (a runtime dependency).
import { register } from "tsx/esm/api";

// The SDK warns on every run that Node 20 support ends soon; the CLI says so once in the README instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
