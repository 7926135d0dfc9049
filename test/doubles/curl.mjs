// Stands in for programs AMPA must never run (curl here): records the call and fails.
import { record } from "./common.mjs";

record("curl");
process.exit(1);
