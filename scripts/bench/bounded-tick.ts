// One tick in a process of its own, for `npm run bench -- --only bounded` (bounded.ts):
// prints its peak RSS and heap as one JSON line. argv: endpoint table mode, where mode
// `full` lists whole items (the tick before issue 19) and `projected` is today's tick.
import {
  createDocumentClient,
  createDynamoClient,
} from "../../src/lib/adapters/dynamodb/client.js";
import { createStore } from "../../src/lib/adapters/dynamodb/store.js";
import { tickPass, type TickDeps } from "../../src/lib/app/tick.js";
import { silentLogger } from "../../src/lib/runtime/log.js";
import { parseConfig } from "../../src/lib/runtime/config.js";

const [endpoint = "", table = "", mode = "projected", now = "0"] = process.argv.slice(2);
const { config } = parseConfig({
  AMPA_TABLE_NAME: table,
  AMPA_DYNAMODB_ENDPOINT: endpoint,
  AMPA_DYNAMODB_KEY: process.env.AMPA_DYNAMODB_KEY,
});
const store = createStore(
  createDocumentClient(
    createDynamoClient({ region: "us-east-1", endpoint, key: config.dynamodbKey }),
  ),
  {
    tableName: table,
    maxRunHistory: config.maxRunHistory,
  },
);
// `full`: the listing the tick made before: every item whole.
const tickStore: TickDeps["store"] =
  mode === "full"
    ? Object.create(store, { listForSchedule: { value: () => store.listCommands() } })
    : store;

// Sampled, not resourceUsage().maxRSS: Linux carries the forking parent's peak (the
// 1 GB store) across exec into the child's maxRSS.
let heapPeak = 0;
let rssPeak = 0;
const measure = () => {
  const usage = process.memoryUsage();
  heapPeak = Math.max(heapPeak, usage.heapUsed);
  rssPeak = Math.max(rssPeak, usage.rss);
};
const sample = setInterval(measure, 5);
const started = performance.now();
const result = await tickPass(
  {
    store: tickStore,
    config,
    log: silentLogger,
    clock: () => Number(now),
    dispatch: async () => {},
    probeLlm: async () => true,
    sleep: async () => {},
    owner: "bench",
  },
  Number(now),
);
const ms = performance.now() - started;
clearInterval(sample);
measure();
process.stdout.write(`${JSON.stringify({ mode, kind: result.kind, ms, rssPeak, heapPeak })}\n`);
