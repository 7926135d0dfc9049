import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";

export interface EmbeddedStore {
  endpoint: string;
  close: () => Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB-compatible server) on loopback. With `dir` it persists to
 * disk (LevelDB); without, it keeps everything in memory. Never open one `dir` from two
 * processes: callers must hold the directory's lock (see lock.ts).
 */
export async function startEmbeddedStore(
  opts: { dir?: string; port?: number } = {},
): Promise<EmbeddedStore> {
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  const server = dynalite({
    ...(opts.dir ? { path: opts.dir } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
