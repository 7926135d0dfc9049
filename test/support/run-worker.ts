// A separate process that takes a command's lease and runs it: tests kill it mid-run.
import { parseConfig } from "../../src/lib/runtime/config.js";
import { silentLogger } from "../../src/lib/runtime/log.js";
import { runOnce } from "../../src/lib/app/run.js";
import { createRunners } from "../../src/lib/app/commands/registry.js";
import { processes } from "../../src/lib/adapters/process/index.js";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore } from "../../src/lib/adapters/dynamodb/store.js";
import { TEST_STORE_KEY } from "./store-key.js";

const [endpoint = "", tableName = "", id = ""] = process.argv.slice(2);
const { config } = parseConfig({
  AMPA_TABLE_NAME: tableName,
  AMPA_LEASE_TTL_SECONDS: "60",
  AMPA_LEASE_RENEW_SECONDS: "20",
});
const store = createStore(
  createDocumentClient(
    createDynamoClient({ region: config.region, endpoint, key: TEST_STORE_KEY }),
  ),
  {
    tableName,
    maxRunHistory: 50,
  },
);
await runOnce(
  { store, runners: createRunners(processes), config, log: silentLogger, clock: Date.now },
  id,
  `worker:${process.pid}`,
);
