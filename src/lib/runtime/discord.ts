import type { KeyObject } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { editOriginal } from "../adapters/discord-api.js";
import { asyncInvoker } from "../adapters/lambda-event.js";
import type { ReadDeps } from "../app/discord/answers.js";
import type { EndpointDeps } from "../app/discord/endpoint.js";
import {
  completeJob,
  finishRun,
  type FollowUpDeps,
  type Job,
  type RunJob,
} from "../app/discord/follow-up.js";
import { runOnce } from "../app/run.js";
import { type Allowlist, parseAllowlist } from "../core/discord/interaction.js";
import { ed25519PublicKey } from "../core/discord/signature.js";
import type { App } from "./app.js";
import { failureOf } from "./handler.js";
import type { Invocation } from "./lambda-root.js";
import { asError } from "./log.js";
import { dashboardSettings } from "./settings.js";

/**
 * The Interactions Endpoint's wiring. On Lambda a deferred answer's work goes to another
 * invocation (the function cannot work on after it has answered): a follow-up is an
 * asynchronous invocation of the interactions function itself (`{ discordJob }`), a run
 * one of runOnce (`{ id, discord }`), which edits the answer when the run ends. Anywhere
 * else (serverless-offline, tests) the process outlives the answer: both run in-process.
 */

/**
 * How long after a request came in a read-only answer may still be sent: Discord allows
 * 3 s end to end, and API Gateway, a cold start and the hand-off take some of that.
 */
export const ANSWER_WITHIN_MS = 1500;

let cachedKey: { hex: string; key: KeyObject } | undefined;

async function publicKey(app: App): Promise<KeyObject | undefined> {
  const hex = await app.discordPublicKey();
  if (!hex) return undefined;
  if (cachedKey?.hex !== hex) cachedKey = { hex, key: ed25519PublicKey(hex) };
  return cachedKey.key;
}

async function allowlist(inv: Invocation<unknown>): Promise<Allowlist> {
  const { allowlist, invalid } = parseAllowlist(await inv.app.discordAllowlist());
  if (invalid.length > 0)
    inv.log.warn({ ignored: invalid.length }, "discord: allowlist entries that are no user:/role:");
  return allowlist;
}

const readDeps = (app: App): ReadDeps => ({
  store: app.store,
  settings: dashboardSettings(app.config),
});

let invoke: ReturnType<typeof asyncInvoker> | undefined;
const invoker = (app: App) => (invoke ??= asyncInvoker(app.config));

/**
 * A run asked for from Discord, here (runOnce's handler, or in-process locally): the
 * answer is edited with its result, or its error, which is then thrown on.
 */
export async function runForDiscord(
  inv: Invocation<unknown>,
  job: RunJob,
): Promise<Awaited<ReturnType<typeof runOnce>>> {
  const deps = { store: inv.app.store, clock: Date.now, edit: editor(inv.app) };
  let run: Awaited<ReturnType<typeof runOnce>>;
  try {
    run = await runOnce(inv.services.runDeps, job.id, `discord:${job.action.interactionId}`);
  } catch (err) {
    await finishRun(deps, job, { error: failureOf(err).message });
    throw err;
  }
  await finishRun(deps, job, run);
  return run;
}

const editor = (app: App) => (reply: RunJob["reply"], content: string) =>
  editOriginal(app.config.discordApiUrl, reply, content);

/** What a follow-up needs: the store, the Discord API, and where runs go. */
export function followUpDeps(inv: Invocation<unknown>): FollowUpDeps {
  const { app, log } = inv;
  return {
    read: readDeps(app),
    store: app.store,
    clock: Date.now,
    edit: editor(app),
    run: app.config.onLambda
      ? (job) => invoker(app)(app.config.runOnceFunction, { id: job.id, discord: job })
      : (job) => {
          void runForDiscord(inv, job).catch((err) =>
            log.error({ err: asError(err).message }, "discord: run failed"),
          );
          return Promise.resolve();
        },
    redrive: () => inv.services.notifier.redrive(() => {}),
    log,
  };
}

/** What the endpoint needs; `handOff` per the top of this file. */
export function endpointDeps(inv: Invocation<unknown>): EndpointDeps {
  const { app, log } = inv;
  const handOff = app.config.onLambda
    ? (job: Job) => invoker(app)(app.config.interactionsFunction, { discordJob: job })
    : (job: Job) => {
        void completeJob(followUpDeps(inv), job).catch((err) =>
          log.error({ err: asError(err).message }, "discord: follow-up failed"),
        );
        return Promise.resolve();
      };
  return {
    clock: Date.now,
    publicKey: () => publicKey(app),
    allowlist: () => allowlist(inv),
    buttonKey: () => app.discordButtonKey(),
    read: readDeps(app),
    answerWithinMs: ANSWER_WITHIN_MS,
    timer: (ms) => sleep(ms, undefined, { ref: false }),
    handOff,
    log,
  };
}
