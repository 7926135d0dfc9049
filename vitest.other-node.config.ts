import { LOGIC_ONLY_SUITES, suites } from "./vitest.config.js";

// CI's runs of the unit and integration suites on Node 22 and 24 (.ci/run): every file but
// the logic-only ones, which npm test runs (vitest.config.ts says why).
export default suites(LOGIC_ONLY_SUITES);
