import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Command as Program } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allCommands, buildProgram } from "../../src/cli/main.js";
import type { EmbeddedStore } from "../../src/lib/local/embedded-store.js";
import { scanForCanary } from "../support/canary.js";
import { addAsCli } from "../support/add-command.js";
import { runCli } from "../support/cli.js";
import { createDoubles } from "../support/doubles.js";
import { pythonStore } from "../support/python-store.js";
import { createTestTable, startTestServer } from "../support/store.js";
import { startDashboardCli } from "../support/dashboard.js";
import { waitFor } from "../support/wait.js";
import { startFakeWebhook } from "../support/webhook-server.js";
import { testApplication } from "../support/discord-interactions.js";
import { startInbox } from "../../src/lib/local/inbox.js";

/**
 * The CLI's conventions, checked against its own commander definition so a new verb is
 * covered the day it is added: --json on every verb, help within 80 columns with every
 * argument described, --version, a completion script that knows every verb, exit codes.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/ampa.mjs");
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

const program = buildProgram();
const pathOf = (cmd: Program): string[] => (cmd.parent ? [...pathOf(cmd.parent), cmd.name()] : []);
/** Every command a user runs: the leaves of the tree (`deadletters list`, not `deadletters`). */
const verbs = allCommands(program).filter((c) => c.parent && c.commands.length === 0);
const verbNames = verbs.map((c) => pathOf(c).join(" "));

let server: EmbeddedStore;
let env: Record<string, string>;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  const t = await createTestTable(server.endpoint);
  env = { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: t.tableName };
  dir = mkdtempSync(join(tmpdir(), "ampa-conventions-"));
});
afterAll(async () => {
  await server.close();
});

const wide = (text: string) => text.split("\n").filter((line) => [...line].length > 80);

describe("the CLI's definition", () => {
  it("has the verbs this suite expects (a new verb needs a --json case below)", () => {
    expect(verbNames).toEqual([
      "list",
      "add",
      "update",
      "remove",
      "pause",
      "resume",
      "run-once",
      "logs",
      "heartbeat",
      "delegation",
      "agents",
      "deadletters list",
      "deadletters redrive",
      "discord register",
      "discord setup",
      "discord click",
      "inbox",
      "status",
      "import",
      "export",
      "simulate",
      "dashboard",
      "completion",
    ]);
  });

  it.each(verbNames)("%s has --json", (name) => {
    const verb = verbs[verbNames.indexOf(name)];
    expect(verb?.options.map((o) => o.long)).toContain("--json");
  });

  it.each(allCommands(program).map((c) => [pathOf(c).join(" ") || "ampa", c] as const))(
    "help of %s fits 80 columns and describes every argument",
    (_name, cmd) => {
      const help = cmd.helpInformation();
      expect(wide(help)).toEqual([]);
      expect(help).not.toMatch(/seed/i);
      for (const arg of cmd.registeredArguments) expect(arg.description).not.toBe("");
    },
  );
});

describe("ampa as a child process", () => {
  it("prints the package version for --version and -V", async () => {
    const [long, short] = await Promise.all([runCli(["--version"], {}), runCli(["-V"], {})]);
    expect(long).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    expect(short).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it("keeps help within 80 columns and documents the exit codes", async () => {
    const [top, nested, add] = await Promise.all([
      runCli(["--help"], {}),
      runCli(["deadletters", "redrive", "--help"], {}),
      runCli(["help", "add"], {}),
    ]);
    for (const r of [top, nested, add]) {
      expect(r.code).toBe(0);
      expect(wide(r.stdout)).toEqual([]);
    }
    // The child's help is the definition's (what the in-process checks saw), then the codes.
    expect(top.stdout.startsWith(program.helpInformation())).toBe(true);
    for (const line of ["0  ok", "1  failed", "2  usage", "3  not configured", "4  busy"])
      expect(top.stdout).toContain(`\n  ${line}`);
    for (const cmd of program.commands) expect(top.stdout).toContain(`\n  ${cmd.name()}`);
    expect(nested.stdout).toContain("--stage <stage>"); // global options shown everywhere
  });

  it("prints a bash completion script that completes every verb", async () => {
    const result = await runCli(["completion", "bash"], {});
    expect(result.code).toBe(0);
    const script = join(dir, "ampa.bash");
    writeFileSync(script, result.stdout);
    for (const name of verbNames) expect(result.stdout).toContain(name.split(" ").at(-1));
    // The completion function itself, run by bash as the shell would for `ampa <TAB>`.
    const complete = (...words: string[]) =>
      execFileSync(
        "bash",
        [
          "-c",
          `source "$0"; COMP_WORDS=(ampa "$@"); COMP_CWORD=$#; _ampa; printf '%s\\n' "\${COMPREPLY[@]}"`,
          script,
          ...words,
        ],
        { encoding: "utf8" },
      )
        .split("\n")
        .filter(Boolean);
    expect(complete("")).toEqual(
      expect.arrayContaining([...program.commands.map((c) => c.name()), "--version", "--stage"]),
    );
    expect(complete("--stage", "prod", "deadletters", "")).toEqual(["list", "redrive", "--help"]);
    expect(complete("add", "id", "true", "1", "0", "--type", "tr")).toEqual(["triage-audit"]);
    expect(complete("completion", "")).toEqual(["bash", "zsh", "--json", "--help"]);
  });

  it("prints a zsh completion script that zsh parses", async () => {
    const result = await runCli(["completion", "zsh"], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^#compdef ampa\n/);
    for (const cmd of program.commands) expect(result.stdout).toContain(`'${cmd.name()}:`);
    let zsh = true;
    try {
      execFileSync("zsh", ["-c", "true"]);
    } catch {
      zsh = false; // not installed here: the text checks above still ran
    }
    if (zsh) {
      const file = join(dir, "_ampa");
      writeFileSync(file, result.stdout);
      expect(() => execFileSync("zsh", ["-n", file])).not.toThrow();
    }
  });
});

/** `ampa inbox --json` runs until SIGTERM: its JSON lines, read while it runs. */
async function inboxJson(): Promise<{ lines: unknown[]; code: number | null }> {
  const child = spawn(process.execPath, [BIN, "inbox", "--port", "0", "--json"], {
    env: { ...process.env, AMPA_LOAD_DOTENV: "0", AMPA_LOG_LEVEL: "warn" },
  });
  const lines: unknown[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    scanForCanary("ampa inbox stdout", line);
    lines.push(JSON.parse(line));
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    const first = await waitFor("the inbox URL", () => lines[0], 30_000);
    const { url } = (first as { listening: { url: string } }).listening;
    const posted = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "# Hello\n\nfrom the test" }),
    });
    expect(posted.status).toBe(204);
    await waitFor("the message line", () => lines[1]);
  } finally {
    child.kill("SIGTERM");
  }
  return { lines, code: await exited };
}

describe("--json on every verb", () => {
  it("prints one JSON result on stdout for each verb", async () => {
    const webhook = await startFakeWebhook();
    const withWebhook = { ...env, AMPA_DISCORD_WEBHOOK: webhook.url };
    const done = new Set<string>();
    /** Runs a verb with --json, expects exit 0 and returns stdout parsed as JSON. */
    const json = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const result = await runCli([...args, "--json"], { ...env, ...extraEnv });
      // stderr may hold log lines (the dead letter below); stdout is the result alone.
      expect({ args, code: result.code }).toEqual({ args, code: 0 });
      const verb = verbNames.find((v) => args.join(" ").startsWith(v));
      if (verb) done.add(verb);
      return JSON.parse(result.stdout) as Record<string, unknown> & unknown[];
    };
    try {
      expect(await json(["add", "j1", "echo hi", "5", "1"])).toMatchObject({
        action: "added",
        command: { id: "j1", command: "echo hi", paused: false },
      });
      expect(await json(["update", "j1", "echo json", "5", "2"])).toMatchObject({
        action: "updated",
        command: { id: "j1", command: "echo json", priority: 2 },
      });
      expect(await json(["pause", "j1"])).toEqual({ action: "paused", id: "j1", paused: true });
      expect(await json(["resume", "j1"])).toEqual({
        action: "resumed",
        id: "j1",
        paused: false,
      });
      // No webhook: the run's post becomes the dead letter redriven below.
      expect(await json(["run-once", "j1"])).toMatchObject({
        commandId: "j1",
        trigger: "run-once",
        exitCode: 0,
        outcome: "success",
        output: expect.stringMatching(/^json\n?$/),
      });
      // One JSON line per line of output: here the run's one line.
      expect(await json(["logs", "j1"])).toMatchObject({ commandId: "j1", line: "json" });
      expect(await json(["list"])).toMatchObject([{ id: "j1", lastExitCode: 0 }]);
      expect(await json(["agents"])).toMatchObject({
        agents: expect.arrayContaining([
          expect.objectContaining({ name: "claude", program: "claude", onPath: false }),
        ]),
      });
      expect(await json(["status"])).toMatchObject({ commands: [{ id: "j1" }] });
      expect(await json(["deadletters", "list"])).toMatchObject([{ kind: "command" }]);
      expect(await json(["deadletters", "redrive"], withWebhook)).toMatchObject({
        total: 1,
        delivered: 1,
        failed: 0,
        letters: [{ delivered: true, reason: null }],
      });
      expect(await json(["heartbeat"], withWebhook)).toEqual({
        sent: true,
        outcome: "success",
        message: "Heartbeat sent.",
      });
      const d = createDoubles({ wl: { items: [] } });
      expect(await json(["delegation", "--dry-run"], d.env)).toMatchObject({
        ok: true,
        report: expect.any(String),
        live: null,
      });
      const store = join(dir, "store.json");
      writeFileSync(store, JSON.stringify(pythonStore()));
      const imported = await json(["import", store, "--dry-run"]);
      expect(imported).toMatchObject({ file: store, dryRun: true, warnings: expect.any(Array) });
      expect(imported.commands).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: "wl-stats", action: "new" })]),
      );
      expect(await json(["export"])).toMatchObject({
        out: null,
        commands: 1,
        store: { commands: { j1: expect.any(Object) } },
      });
      const workload = join(dir, "workload.json");
      writeFileSync(workload, JSON.stringify([{ id: "w", frequency_minutes: 1, priority: 0 }]));
      expect(await json(["simulate", "--workload", workload, "--duration", "300"])).toMatchObject({
        ticks: expect.any(Number),
        commands: [{ id: "w", runs: expect.any(Number) }],
      });
      const completion = await json(["completion", "bash"]);
      expect(completion).toMatchObject({ shell: "bash" });
      expect(completion.script).toContain("complete -o default -F _ampa ampa");
      const discord = await startFakeWebhook((_n, req) => ({
        kind: "answer",
        status: 200,
        body: req.method === "GET" ? '{"id": "900000000000000009"}' : req.body,
      }));
      const discordEnv = {
        AMPA_DISCORD_API_URL: new URL(discord.url).origin,
        AMPA_DISCORD_BOT_TOKEN: "bot-token-of-the-conventions-test",
      };
      expect(await json(["discord", "register", "--guild", "1"], discordEnv)).toEqual({
        applicationId: "900000000000000009",
        guildId: "1",
        commands: 1,
      });
      const webhooks = await startFakeWebhook(() => ({
        kind: "answer",
        status: 200,
        body: '{"id": "910000000000000001", "token": "webhook-token-of-the-conventions-test"}',
      }));
      expect(
        await json(["discord", "setup", "--channel", "1"], {
          ...discordEnv,
          AMPA_DISCORD_API_URL: new URL(webhooks.url).origin,
          AMPA_ENV_FILE: join(dir, "setup.env"),
        }),
      ).toEqual({
        webhookId: "910000000000000001",
        channelId: "1",
        storedIn: join(dir, "setup.env"),
      });
      await webhooks.close();
      // A click through an inbox whose endpoint is a fake answering "deferred".
      const endpoint = await startFakeWebhook(() => ({
        kind: "answer",
        status: 200,
        body: '{"type":5}',
      }));
      const clickInbox = await startInbox({
        print: () => {},
        clicks: { interactionsUrl: endpoint.url, privateKey: testApplication().privateKey },
      });
      const posted = await fetch(`${clickInbox.apiUrl}/channels/1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bot local" },
        body: JSON.stringify({
          content: "# j1",
          components: [
            { type: 1, components: [{ type: 2, style: 2, label: "Pause", custom_id: "a2.x" }] },
          ],
        }),
      });
      const { id } = (await posted.json()) as { id: string };
      expect(await json(["discord", "click", id, "Pause", "--inbox", clickInbox.pageUrl])).toEqual({
        messageId: id,
        button: "Pause",
        status: 200,
        answer: { type: 5 },
      });
      await clickInbox.close();
      await endpoint.close();
      await discord.close();
      expect(await json(["remove", "j1"])).toEqual({ action: "removed", id: "j1" });

      const inbox = await inboxJson();
      expect(inbox.code).toBe(0);
      expect(inbox.lines).toEqual([
        {
          listening: {
            url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
            page: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
          },
        },
        {
          message: {
            id: expect.stringMatching(/^\d+$/),
            via: "webhook",
            receivedAt: expect.any(String),
            content: "# Hello\n\nfrom the test",
            buttons: [],
          },
        },
      ]);
      done.add("inbox");
      const dashboard = await startDashboardCli(env);
      expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
      expect(await dashboard.stop()).toBe(0);
      done.add("dashboard");
      expect([...done].sort()).toEqual([...verbNames].sort());
    } finally {
      await webhook.close();
    }
  }, 300_000);
});

describe("errors and exit codes", () => {
  /** The one JSON line an error writes on stderr with --json. */
  const errorLine = (stderr: string) => {
    expect(stderr.endsWith("\n") && stderr.indexOf("\n") === stderr.length - 1).toBe(true);
    return JSON.parse(stderr) as { error: { exitCode: number; code: string; message: string } };
  };

  it("writes a JSON error on stderr, nothing on stdout, and the code for its kind", async () => {
    const [unknown, parse, noWebhook] = await Promise.all([
      runCli(["pause", "nope", "--json"], env),
      runCli(["add", "few", "--json"], env),
      runCli(["heartbeat", "--json"], env),
    ]);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(errorLine(unknown.stderr)).toEqual({
      error: { exitCode: 2, code: "unknown-command", message: "Unknown command id: nope" },
    });
    expect(parse).toMatchObject({ code: 2, stdout: "" });
    expect(errorLine(parse.stderr).error).toMatchObject({
      exitCode: 2,
      code: "commander.missingArgument",
      message: expect.stringContaining("missing required argument"),
    });
    expect(noWebhook).toMatchObject({ code: 3, stdout: "" });
    expect(errorLine(noWebhook.stderr).error).toMatchObject({
      exitCode: 3,
      code: "not-configured",
      message: expect.stringContaining("No Discord webhook configured"),
    });
  });

  it("exits 4 (busy) when a run already holds the command's lease", async () => {
    const own = await createTestTable(server.endpoint);
    const ownEnv = { AMPA_DYNAMODB_ENDPOINT: server.endpoint, AMPA_TABLE_NAME: own.tableName };
    // The first run holds its lease until the second has been refused: its former `sleep 6`
    // ended before the second process got going on a loaded machine (exit 0, not 4).
    const release = join(mkdtempSync(join(tmpdir(), "ampa-lease-")), "release");
    const hold = `while [ ! -e '${release}' ]; do sleep 0.1; done`;
    await addAsCli(own.store, ["slow", hold, "1", "0"]);
    const first = runCli(["run-once", "slow"], ownEnv);
    let second;
    try {
      // Read from the table, not by `ampa list` (a 0.7 CPU-s process for each poll).
      await waitFor(
        "the first run's lease",
        async () => (await own.store.getCommand("slow"))?.leaseRunId,
        30_000,
      );
      second = await runCli(["run-once", "slow", "--json"], ownEnv);
    } finally {
      writeFileSync(release, "");
    }
    expect(second).toMatchObject({ code: 4, stdout: "" });
    expect(errorLine(second.stderr).error).toMatchObject({ exitCode: 4, code: "lease-held" });
    expect((await first).code).toBe(0);
  }, 60_000);
});
