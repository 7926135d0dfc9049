import { describe, expect, it } from "vitest";
import { tickPass } from "../../src/lib/app/tick.js";
import type { Command } from "../../src/lib/core/command.js";
import { MINUTE, spec, T0 } from "../support/commands.js";
import { createTestTable } from "../support/store.js";
import { tickDeps } from "../support/tick.js";
import { storeBehindProxy } from "../faults/store-proxy.js";

/**
 * Bounded by design: a tick reads only the attributes selection needs, so the bytes it
 * reads do not grow with the size of the definitions (an item may hold ~273 KB of
 * `command` and `metadata`). The command it starts is read in full, once. Bytes are
 * counted on the wire, by a TCP proxy in front of a real store (dynalite).
 */

const fx = storeBehindProxy();

const COMMANDS = 30;
const METADATA_BYTES = 100_000;

describe("what a tick reads", () => {
  it(`${COMMANDS} commands of ${METADATA_BYTES / 1000} KB: one tick reads the listing's few bytes each and one full item`, async () => {
    const t = await createTestTable(fx.server.endpoint);
    for (let i = 0; i < COMMANDS; i++)
      await t.store.addCommand(
        spec(`c${String(i).padStart(2, "0")}`, {
          metadata: { blob: "x".repeat(METADATA_BYTES) },
          command: `echo ${i}`,
        }),
        T0 - MINUTE,
      );
    const viaProxy = fx.viaProxy(t);
    const dispatched: Command[] = [];
    const deps = tickDeps(viaProxy, t.config, {
      now: T0,
      dispatch: async (command) => {
        dispatched.push(command);
      },
    });
    const before = fx.proxy.bytesFromStore();
    const result = await tickPass(deps, T0);
    const read = fx.proxy.bytesFromStore() - before;

    expect(result).toMatchObject({ kind: "started", commandId: "c00" });
    // The runner gets the whole definition of the one command it runs.
    expect(dispatched[0]?.metadata).toEqual({ blob: "x".repeat(METADATA_BYTES) });
    expect(dispatched[0]?.command).toBe("echo 0");
    // Reading every item in full would be over COMMANDS × METADATA_BYTES = 3 MB; the
    // listing is a few hundred bytes a command, plus the one full item (read, and
    // returned by the claim).
    expect(read).toBeLessThan(3 * METADATA_BYTES + COMMANDS * 1_000);
  });
});
