import { newStoreKey } from "../../src/lib/local/store-guard.js";

/**
 * The key of every test store of this test process (and of the processes it starts, which
 * inherit it through AMPA_DYNAMODB_KEY): each test server requires it like `npm start`'s
 * store requires its own, so every test goes through the key check. DynamoDB Local takes
 * it as the access key id too (it keeps one database per key: all must use the same).
 */
process.env.AMPA_DYNAMODB_KEY ||= newStoreKey();
export const TEST_STORE_KEY: string = process.env.AMPA_DYNAMODB_KEY;
