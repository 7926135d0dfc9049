// A separate process that takes a command's lease and runs it: tests kill it mid-run.
import { parseConfig } from "../../src/lib/config.js";
import { silentLogger } from "../../src/lib/log.js";
import { runOnce } from "../../src/lib/run.js";
import { createRunners } from "../../src/lib/runners/index.js";
import { createDocumentClient, createDynamoClient } from "../../src/lib/store/client.js";
import { Store } from "../../src/lib/store/store.js";

const [endpoint = "", tableName = "", id = ""] = process.argv.slice(2);
const { config } = parseConfig({ AMPA_TABLE_NAME: tableName, AMPA_LEASE_GRACE_SECONDS: "0" });
const store = new Store(
  createDocumentClient(createDynamoClient({ region: config.region, endpoint })),
  {
    tableName,
    maxRunHistory: 50,
  },
);
await runOnce(
  { store, runners: createRunners(), config, log: silentLogger, clock: Date.now },
  id,
  `worker:${process.pid}`,
);
