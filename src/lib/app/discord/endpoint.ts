import type { KeyObject } from "node:crypto";
import {
  type Allowlist,
  choices,
  deferred,
  type InteractionContext,
  type InteractionResponse,
  mayAct,
  message,
  parseInteraction,
  pong,
} from "../../core/discord/interaction.js";
import { commandButtons, openButton } from "../../core/discord/buttons.js";
import { verifyRequest } from "../../core/discord/signature.js";
import { type Action, changesState } from "../../core/discord/slash-commands.js";
import { errorText, type Job, logText } from "./follow-up.js";
import { idsStartingWith, type ReadDeps, readAnswer } from "./answers.js";

/**
 * POST /discord/interactions: the signature first (nothing is parsed before it checks),
 * then PING, autocomplete and /ampa. Discord wants an answer within 3 seconds: a
 * read-only answer that is not ready within `answerWithinMs` is deferred, and every
 * action that changes state is deferred at once; either way the work is handed to
 * {@link EndpointDeps.handOff} (another invocation on Lambda), which edits the answer.
 */

export interface EndpointDeps {
  clock: () => number;
  /** The application's public key; undefined when none is configured (every request: 503). */
  publicKey: () => Promise<KeyObject | undefined>;
  allowlist: () => Promise<Allowlist>;
  /** The key that seals buttons' custom_ids; undefined: no buttons, every click refused. */
  buttonKey: () => Promise<string | undefined>;
  read: ReadDeps;
  /** How long after the request came in a read-only answer may still be sent. */
  answerWithinMs: number;
  /** Resolves after `ms` (a timer; tests pass one they control). */
  timer: (ms: number) => Promise<void>;
  /** Has the job finished elsewhere: it must not wait for the job itself. */
  handOff: (job: Job) => Promise<void>;
  log: { warn(fields: object, msg: string): void; error(fields: object, msg: string): void };
}

export interface InteractionRequest {
  /** Header names in lower case (HTTP API v2 gives them so). */
  headers: Record<string, string | undefined>;
  /** The body's bytes exactly as received. */
  body: Buffer;
}

export interface HttpAnswer {
  status: number;
  body: string;
  contentType: "application/json" | "text/plain; charset=utf-8";
}

/** A larger body is refused before its signature is checked (an interaction is a few kB). */
export const MAX_BODY_BYTES = 64 * 1024;

const json = (body: InteractionResponse): HttpAnswer => ({
  status: 200,
  body: JSON.stringify(body),
  contentType: "application/json",
});
const text = (status: number, body: string): HttpAnswer => ({
  status,
  body: `${body}\n`,
  contentType: "text/plain; charset=utf-8",
});

/** `{ value }` of `work`, or undefined when `timer` resolves first (`work` is left running). */
function within<T>(work: Promise<T>, timer: Promise<void>): Promise<{ value: T } | undefined> {
  return Promise.race([work.then((value) => ({ value })), timer.then(() => undefined)]);
}

/** The HTTP answer to one request to the Interactions Endpoint. */
export async function answerRequest(
  deps: EndpointDeps,
  req: InteractionRequest,
): Promise<HttpAnswer> {
  const receivedAt = deps.clock();
  if (req.body.length > MAX_BODY_BYTES) return text(413, "request too large");
  const key = await deps.publicKey();
  if (!key) return text(503, "interactions not configured");
  const verdict = verifyRequest(
    key,
    {
      signature: req.headers["x-signature-ed25519"],
      timestamp: req.headers["x-signature-timestamp"],
      body: req.body,
    },
    receivedAt,
  );
  if (!verdict.ok) {
    deps.log.warn({ reason: verdict.reason }, "discord: request refused");
    return text(401, "invalid request signature");
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString("utf8"));
  } catch {
    return text(400, "not JSON");
  }
  const interaction = parseInteraction(body);
  if (!interaction) return text(400, "not an interaction");
  const timer = () => deps.timer(Math.max(0, receivedAt + deps.answerWithinMs - deps.clock()));
  switch (interaction.kind) {
    case "ping":
      return json(pong());
    case "autocomplete": {
      const listed = await within(deps.read.store.listCommands(), timer());
      const ids = listed ? idsStartingWith(listed.value.commands, interaction.prefix) : [];
      return json(choices(ids));
    }
    case "unsupported":
      return json(message(interaction.message, { ephemeral: true }));
    case "command":
      return json(await answerCommand(deps, interaction.action, interaction, timer));
    case "button": {
      const key = await deps.buttonKey();
      const action = key === undefined ? undefined : openButton(key, interaction.customId);
      if (!action) return json(message("This button is not valid.", { ephemeral: true }));
      // Show output is for the one who clicked: the post stays as it is.
      const ephemeral = !changesState(action);
      return json(await answerCommand(deps, action, interaction, timer, ephemeral));
    }
  }
}

/** `/ampa why <id>` offers Run / Pause / Resume on the command (when buttons are on). */
async function buttonsFor(deps: EndpointDeps, action: Action): Promise<unknown[]> {
  if (action.name !== "why") return [];
  const key = await deps.buttonKey();
  return key === undefined ? [] : commandButtons(key, action.id);
}

async function answerCommand(
  deps: EndpointDeps,
  action: Action,
  context: InteractionContext,
  timer: () => Promise<void>,
  ephemeral = false,
): Promise<InteractionResponse> {
  if (changesState(action)) {
    // The allowlist before the answer: a refusal is ephemeral (only the asker sees it).
    const allowed = mayAct(context.actor, await deps.allowlist());
    try {
      await deps.handOff({ action, context, allowed });
    } catch (err) {
      deps.log.error({ err: logText(err) }, "discord: could not hand the action on");
      return message("Could not start that; nothing was done. Try again.", { ephemeral: true });
    }
    return deferred({ ephemeral: !allowed });
  }
  const readOnly = action as Exclude<
    Action,
    { name: "run" | "pause" | "resume" | "approve" | "hold" | "ignore" }
  >;
  let answer: { value: string } | undefined;
  try {
    answer = await within(readAnswer(deps.read, readOnly, deps.clock()), timer());
  } catch (err) {
    deps.log.error({ err: logText(err) }, "discord: could not answer");
    return message(`Could not answer: ${errorText(err)}`, { ephemeral: true });
  }
  if (answer)
    return message(answer.value, { components: await buttonsFor(deps, readOnly), ephemeral });
  // Too slow for Discord's 3 seconds: "thinking…" now, the answer as an edit (reads are
  // harmless to repeat, so the follow-up starts over).
  await deps.handOff({ action, context, allowed: false });
  return deferred({ ephemeral });
}
