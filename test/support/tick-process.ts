// A tick in a process of its own that exits right after it dispatched: the task worker it
// started must outlive it. Args: endpoint, table name, workers directory.
import { tickPass } from "../../src/lib/app/tick.js";
import { parseConfig } from "../../src/lib/runtime/config.js";
import { silentLogger } from "../../src/lib/runtime/log.js";
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore } from "../../src/lib/adapters/dynamodb/store.js";
import { TEST_STORE_KEY } from "./store-key.js";
import { SHORT_LEASES, testWorkerDispatch } from "./task-workers.js";

const [endpoint = "", tableName = "", workersDir = ""] = process.argv.slice(2);
const { config } = parseConfig({ AMPA_TABLE_NAME: tableName, ...SHORT_LEASES });
const store = createStore(
  createDocumentClient(
    createDynamoClient({ region: config.region, endpoint, key: TEST_STORE_KEY }),
  ),
  { tableName, maxRunHistory: 50 },
);
const result = await tickPass(
  {
    store,
    config,
    log: silentLogger,
    clock: Date.now,
    dispatch: testWorkerDispatch(endpoint, tableName, workersDir),
    probeLlm: async () => true,
    sleep: async () => {},
    owner: `tick-process:${process.pid}`,
  },
  Date.now(),
);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
