/**
 * The `/ampa` slash command: its definition (what `ampa discord register` puts on the
 * guild) and the actions it asks for. One home for the names, so the router and the
 * registration cannot disagree.
 */

/** Application command option types (Discord API). */
const SUB_COMMAND = 1;
const STRING = 3;
const BOOLEAN = 5;

/** What a slash command, or a button (core/discord/buttons.ts), asks for. */
export type IdActionName = "why" | "run" | "pause" | "resume" | "logs";
/**
 * `approve` and `hold` come from buttons only, on an escalated work item's post: their `id`
 * is the item's. Approve lets delegation dispatch it again; Keep held changes nothing.
 * `ignore` comes from a failing PR's post: its `id` is the PR's reference (`<repo>#<number>`,
 * core/github.ts), and the PR monitor reports that PR's failures no more.
 */
type ButtonOnlyName = "approve" | "hold" | "ignore";
export type Action =
  | { name: "status" }
  /** From a button, `runId` names the run its post was about (Show output shows that run). */
  | { [K in IdActionName | ButtonOnlyName]: { name: K; id: string; runId?: string } }[
      IdActionName | ButtonOnlyName]
  | { name: "deadletters"; redrive: boolean };

export type ActionName = Action["name"];

/** The actions anyone in the guild may ask for: they read and change nothing. */
const READ_ONLY = new Set<ActionName>(["status", "why", "logs"]);

/** Whether the action changes anything (and so needs the allowlist), deadletters by its flag. */
export function changesState(action: Action): boolean {
  if (action.name === "deadletters") return action.redrive;
  return !READ_ONLY.has(action.name);
}

const idOption = (what: string) => ({
  type: STRING,
  name: "id",
  description: `the command to ${what}`,
  required: true,
  autocomplete: true,
  max_length: 128,
});

const withId: [IdActionName, string, string][] = [
  ["why", "why a command is, or is not, what runs next", "explain"],
  ["run", "run a command now (the answer follows when it ends)", "run"],
  ["pause", "stop scheduling a command", "pause"],
  ["resume", "schedule a paused command again", "resume"],
  ["logs", "the last lines of a command's latest run", "show"],
];

/** The command as `PUT /applications/<app>/guilds/<guild>/commands` takes it. */
export const SLASH_COMMAND = {
  name: "ampa",
  description: "the AMPA scheduler",
  type: 1,
  options: [
    { type: SUB_COMMAND, name: "status", description: "what runs next" },
    ...withId.map(([name, description, what]) => ({
      type: SUB_COMMAND,
      name,
      description,
      options: [idOption(what)],
    })),
    {
      type: SUB_COMMAND,
      name: "deadletters",
      description: "messages that could not be delivered",
      options: [{ type: BOOLEAN, name: "redrive", description: "resend them all" }],
    },
  ],
} as const;

/** The subcommands taking a command id (autocomplete offers ids for these). */
export const ID_ACTIONS: ReadonlySet<string> = new Set(withId.map(([name]) => name));
