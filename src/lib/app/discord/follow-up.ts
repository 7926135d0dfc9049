import * as z from "zod";
import {
  type InteractionContext,
  snowflakeTime,
  type Reply,
} from "../../core/discord/interaction.js";
import type { Action } from "../../core/discord/slash-commands.js";
import { AmpaError, InvalidInputError } from "../../core/errors.js";
import { parsePullRequestRef, pullRequestName } from "../../core/github.js";
import type {
  ActionKey,
  ActionLog,
  ActionRecord,
  CommandAdmin,
  DispatchStore,
  PrReportStore,
} from "../../core/ports.js";
import { postableText } from "../../core/untrusted-text.js";
import { type ReadDeps, readAnswer } from "./answers.js";

/**
 * The second half of a deferred answer: the job handed off by the endpoint, done and
 * reported by editing the answer (`PATCH /webhooks/<app>/<token>/messages/@original`).
 * An action that changes state is recorded first, keyed by its interaction, so a replayed
 * request finds its record and changes nothing.
 */

/** The work an answer leaves to a follow-up: the action, who asked, and the verdict. */
export interface Job {
  action: Action;
  context: InteractionContext;
  /** Whether the asker was on the allowlist when the request came in. */
  allowed: boolean;
}

const snowflake = z.string().regex(/^\d{1,20}$/);
const replySchema = z.object({ applicationId: snowflake, token: z.string().min(1).max(512) });
const idSchema = z.string().min(1).max(1024);
const actionSchema: z.ZodType<Action> = z.union([
  z.object({ name: z.literal("status") }),
  z.object({
    name: z.enum(["why", "run", "pause", "resume", "logs", "approve", "hold", "ignore"]),
    id: idSchema,
    runId: z.string().max(64).optional(),
  }),
  z.object({ name: z.literal("deadletters"), redrive: z.boolean() }),
]) as z.ZodType<Action>;
const jobSchema: z.ZodType<Job> = z.object({
  action: actionSchema,
  context: z.object({
    interactionId: snowflake,
    reply: replySchema,
    actor: z.object({ userId: snowflake, userName: z.string(), roles: z.array(snowflake) }),
    channelId: snowflake.optional(),
    messageId: snowflake.optional(),
  }),
  allowed: z.boolean(),
}) as z.ZodType<Job>;
const runJobSchema: z.ZodType<RunJob> = z.object({
  id: z.string().min(1).max(1024),
  reply: replySchema,
  action: z.object({ at: z.number(), interactionId: snowflake }),
});

/** A job handed over in an invocation's event (`{ discordJob }`), or undefined. */
export const parseJob = (value: unknown): Job | undefined => jobSchema.safeParse(value).data;
/** A run handed to runOnce (`{ id, discord }`), or undefined. */
export const parseRunJob = (value: unknown): RunJob | undefined =>
  runJobSchema.safeParse(value).data;

/** A run handed to the runOnce function, which edits the answer when it ends. */
export interface RunJob {
  id: string;
  reply: Reply;
  /** The action's record, finished with the run's outcome. */
  action: ActionKey;
}

export interface FollowUpDeps {
  read: ReadDeps;
  store: ActionLog &
    Pick<CommandAdmin, "setPaused"> &
    Pick<DispatchStore, "approveEscalation"> &
    Pick<PrReportStore, "ignorePullRequest">;
  clock: () => number;
  /** Replaces the deferred answer's content. */
  edit: (reply: Reply, content: string) => Promise<void>;
  /** Starts the run elsewhere (runOnce): it must not wait for the run. */
  run: (job: RunJob) => Promise<void>;
  /** Resends every dead letter. */
  redrive: () => Promise<{ delivered: number; failed: number; total: number }>;
  log: { warn(fields: object, msg: string): void; error(fields: object, msg: string): void };
}

/** For the log (which redacts secrets): the error's own message. */
export const logText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A domain error's own message; anything else may carry internals. */
export function errorText(err: unknown): string {
  return err instanceof AmpaError ? err.message : "internal error; see the function's logs";
}

const label = (a: Action) => (a.name === "deadletters" ? "deadletters redrive" : a.name);

/**
 * What an action with an id is about, as its record names it: a work item (Approve, Keep
 * held), a PR (Ignore), else a command.
 */
function subject(action: Action): Pick<ActionRecord, "commandId" | "workItemId" | "pullRequest"> {
  if (!("id" in action)) return {};
  if (action.name === "approve" || action.name === "hold") return { workItemId: action.id };
  if (action.name === "ignore") return { pullRequest: action.id };
  return { commandId: action.id };
}

function record(job: Job, at: number): ActionRecord {
  const { action, context, allowed } = job;
  return {
    at,
    interactionId: context.interactionId,
    userId: context.actor.userId,
    userName: context.actor.userName,
    action: label(action),
    ...subject(action),
    ...("runId" in action && action.runId ? { runId: action.runId } : {}),
    ...(context.channelId ? { channelId: context.channelId } : {}),
    ...(context.messageId ? { messageId: context.messageId } : {}),
    outcome: allowed ? "pending" : "refused",
  };
}

/** Does what the job asks and edits the answer; a replayed action changes nothing. */
export async function completeJob(deps: FollowUpDeps, job: Job): Promise<void> {
  const { action, context } = job;
  if (
    action.name === "status" ||
    action.name === "why" ||
    action.name === "logs" ||
    (action.name === "deadletters" && !action.redrive)
  ) {
    const content = await readAnswer(deps.read, action, deps.clock()).catch((err: unknown) => {
      deps.log.error({ err: logText(err) }, "discord: could not answer");
      return `Could not answer: ${errorText(err)}`;
    });
    await deps.edit(context.reply, content);
    return;
  }
  const key: ActionKey = {
    at: snowflakeTime(context.interactionId),
    interactionId: context.interactionId,
  };
  if (!(await deps.store.claimAction(record(job, key.at)))) {
    deps.log.warn({ interactionId: context.interactionId }, "discord: a replayed action; ignored");
    return;
  }
  if (!job.allowed) {
    await deps.edit(
      context.reply,
      "You are not on AMPA's allowlist: you may use status, why, logs and deadletters.",
    );
    return;
  }
  const finish = (outcome: "done" | "failed", detail: string) =>
    deps.store.finishAction(key, { outcome, detail, at: deps.clock() });
  let content: string;
  try {
    content = await perform(deps, job, {
      id: "id" in action ? action.id : "",
      reply: context.reply,
      action: key,
    });
    if (content === "") return; // runOnce edits the answer
    await finish("done", content);
  } catch (err) {
    content = `Could not ${label(action)}: ${errorText(err)}`;
    deps.log.error({ err: logText(err), action: label(action) }, "discord: action failed");
    await finish("failed", content);
  }
  await deps.edit(context.reply, content);
}

/** The action done: its answer, or "" when another invocation will answer (a run). */
async function perform(deps: FollowUpDeps, job: Job, run: RunJob): Promise<string> {
  const { action } = job;
  switch (action.name) {
    case "pause":
    case "resume":
      await deps.store.setPaused(action.id, action.name === "pause");
      return `${action.name === "pause" ? "Paused" : "Resumed"} \`${action.id}\`.`;
    case "run":
      await deps.run(run);
      return "";
    case "deadletters": {
      const r = await deps.redrive();
      return `Redrive: ${r.delivered} delivered, ${r.failed} failed, of ${r.total}.`;
    }
    case "approve": {
      // The store's escalation only: an item escalated at status blocked stays blocked in
      // Worklog until a person unblocks it (the dependencies check), docs/discord.md.
      const approved = await deps.store.approveEscalation(action.id, action.runId, deps.clock());
      if (!approved)
        throw new InvalidInputError(
          `\`${action.id}\` is not escalated any more (approved already, or dispatched since)`,
        );
      return `Approved \`${action.id}\`: delegation may dispatch it again, with a fresh count of attempts.`;
    }
    case "hold":
      return `Kept \`${action.id}\` held: it waits for a person.`;
    case "ignore": {
      const pr = parsePullRequestRef(action.id);
      if (!pr) throw new InvalidInputError("that is not a pull request");
      const { userId, userName } = job.context.actor;
      const first = await deps.store.ignorePullRequest({
        ...pr,
        userId,
        userName,
        ignoredAt: deps.clock(),
      });
      // This function has no Worklog: a work item created for the PR stays as it is.
      return first
        ? `Ignoring ${pullRequestName(pr)}: its failures are not reported again (a work item created for it already stays as it is).`
        : `${pullRequestName(pr)} is ignored already: its failures are not reported again.`;
    }
    default:
      return "";
  }
}

/** What a run came to, as the run's answer shows it. */
export interface RunResult {
  outcome: string;
  exitCode: number | null;
  durationMs: number;
  output: string;
}

/** The run's end: its record finished and the deferred answer edited (runOnce calls this). */
export async function finishRun(
  deps: Pick<FollowUpDeps, "store" | "clock" | "edit">,
  job: RunJob,
  result: RunResult | { error: string },
): Promise<void> {
  let content: string;
  if ("error" in result) content = `Could not run \`${job.id}\`: ${result.error}`;
  else {
    const tail = result.output.split("\n").slice(-10).join("\n").trimEnd();
    content = `Ran \`${job.id}\`: ${result.outcome} (exit ${result.exitCode ?? "none"}) in ${(result.durationMs / 1000).toFixed(1)} s`;
    if (tail)
      content += `\n\`\`\`\n${postableText(tail, { multiline: true, codeBlock: true })}\n\`\`\``;
  }
  const outcome = "error" in result || result.outcome !== "success" ? "failed" : "done";
  await deps.store.finishAction(job.action, {
    outcome,
    detail: content.split("\n")[0],
    at: deps.clock(),
  });
  await deps.edit(job.reply, content);
}
