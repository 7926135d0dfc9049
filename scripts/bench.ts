// `npm run bench`: measures scheduling accuracy, tick cost and function footprint, and
// writes docs/benchmarks.md. The sections live in scripts/bench/ (main.ts runs them).
import { main } from "./bench/main.js";

await main();
