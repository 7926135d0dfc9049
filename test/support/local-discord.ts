import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "../../src/lib/adapters/dynamodb/store.js";
import { runOnce } from "../../src/lib/app/run.js";
import {
  type LocalIdentity,
  localDiscordEnv,
  localIdentity,
} from "../../src/lib/local/discord-local.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { type Inbox, type InboxMessage, startInbox } from "../../src/lib/local/inbox.js";
import { createApp } from "../../src/lib/runtime/app.js";
import { services } from "../../src/lib/runtime/services.js";
import { spec } from "./commands.js";
import { serveInteractions } from "./discord-interactions.js";
import { createTestTable, startTestServer } from "./store.js";
import { waitFor } from "./wait.js";

/**
 * The local Discord loop in-process, as `npm start` wires it: a real store (dynalite), the
 * interactions handler behind a real HTTP server, the inbox taking the bot's posts, and a
 * local identity (Ed25519 key pair, button key, bot token) made in a temporary folder.
 * Settings go to process.env before the handler loads: one per test file (process).
 */
export interface LocalDiscord {
  storeServer: EmbeddedStore;
  store: Store;
  inbox: Inbox;
  endpoint: { url: string; close(): Promise<void> };
  identity: LocalIdentity;
  /** The notifier and run dependencies of the stack (application mode, to the inbox). */
  services: ReturnType<typeof services>;
  /** Adds the command, runs it once, and returns the run and the bot's post about it. */
  runAndPost(
    id: string,
    command: string,
  ): Promise<{ run: Awaited<ReturnType<typeof runOnce>>; post: InboxMessage }>;
  close(): Promise<void>;
}

export async function startLocalDiscord(): Promise<LocalDiscord> {
  const storeServer = await startTestServer();
  const t = await createTestTable(storeServer.endpoint);
  const identity = localIdentity(join(mkdtempSync(join(tmpdir(), "ampa-discord-")), "id.json"));
  const { handler } = await import("../../src/handlers/interactions.js");
  const endpoint = await serveInteractions(handler);
  const inbox = await startInbox({
    botToken: identity.botToken,
    print: () => {},
    clicks: { interactionsUrl: endpoint.url, privateKey: identity.privateKey },
  });
  // The handler reads its settings on its first request.
  Object.assign(process.env, {
    AMPA_DYNAMODB_ENDPOINT: storeServer.endpoint,
    AMPA_TABLE_NAME: t.tableName,
    AMPA_LOG_LEVEL: "silent",
    ...localDiscordEnv(identity, { apiUrl: inbox.apiUrl, env: {} }),
  });
  const stack = services(createApp());
  return {
    storeServer,
    store: t.store,
    inbox,
    endpoint,
    identity,
    services: stack,
    async runAndPost(id, command) {
      const title = `Title of ${id}`;
      await t.store.addCommand(spec(id, { command, title }), Date.now());
      const run = await runOnce(stack.runDeps, id, "test");
      const post = await waitFor(`the post about ${id}`, () =>
        inbox.messages.find((m) => m.via === "bot" && m.content.startsWith(`# ${title}`)),
      );
      return { run, post };
    },
    async close() {
      await endpoint.close();
      await inbox.close();
      await storeServer.close();
    },
  };
}
