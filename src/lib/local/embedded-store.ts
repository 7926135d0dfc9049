import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { privateDir } from "../adapters/private-files.js";
import { guardStore, newStoreKey } from "./store-guard.js";

export interface EmbeddedStore {
  endpoint: string;
  /**
   * The key every request must carry as its SigV4 access key id (store-guard.ts): random
   * per start unless given. Undefined for a server with auth of its own (DynamoDB Local).
   */
  key: string | undefined;
  close: () => Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB-compatible server) on loopback behind the key check. With
 * `dir` it persists to disk (LevelDB, in a 0700 folder); without, it keeps everything in
 * memory. Never open one `dir` from two processes: callers must hold the directory's lock
 * (see lock.ts).
 */
export async function startEmbeddedStore(
  opts: { dir?: string; port?: number; key?: string } = {},
): Promise<EmbeddedStore> {
  if (opts.dir) privateDir(opts.dir);
  const key = opts.key ?? newStoreKey();
  const server = dynalite({
    ...(opts.dir ? { path: opts.dir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  guardStore(server, key);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
