// Redaction at every exit, in every encoding (issue 19, item 5). A program that gets hold
// of a secret prints it as is, upper-cased, in hex, base64 (alone or inside a longer
// blob), base64url, URL-encoded, split by line breaks or coloured char by char: no run
// record, post, log line, CLI output, dashboard page or export may hold it in any form.
// Real parts: dynalite, the fake webhook, real shells, real task workers, the real CLI.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inlineDispatch } from "../../src/lib/app/run.js";
import { summarizedBody } from "../../src/lib/app/notify/messages.js";
import { tickPass } from "../../src/lib/app/tick.js";
import { BoundedOutput, truncateUtf8 } from "../../src/lib/core/output.js";
import { redactSecrets, registerSecret } from "../../src/lib/core/secrets.js";
import { createApp } from "../../src/lib/runtime/app.js";
import { registerProcessSecrets } from "../../src/lib/runtime/process-secrets.js";
import { services } from "../../src/lib/runtime/services.js";
import { CANARY_TOKEN, findLeak, leakForms } from "../support/canary.js";
import { runCli } from "../support/cli.js";
import { spec } from "../support/commands.js";
import { recordFinishedRun, seededRun, startDashboardCli } from "../support/dashboard.js";
import { createDoubles } from "../support/doubles.js";
import { cliHarness } from "../support/harness.js";
import { capturingLogger } from "../support/logger.js";
import { createTestTable } from "../support/store.js";
import {
  runRecorded,
  SHORT_LEASES,
  testWorkerDispatch,
  workerExit,
  workerOf,
  workersTmpDir,
} from "../support/task-workers.js";
import { tickDeps } from "../support/tick.js";

/** A second secret, registered as the metrics token: it has characters URL-encoding changes. */
const METRICS_TOKEN = `m3trics/t0ken+with spaces&=${randomBytes(8).toString("hex")}`;
const SECRETS = { webhook: CANARY_TOKEN, metrics: METRICS_TOKEN };

/** What a program that got hold of `secret` prints, one form a line. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const half = Math.floor(secret.length / 2);
  const blob = (prefix: string) =>
    Buffer.concat([Buffer.from(prefix), bytes, Buffer.from("tail")]).toString("base64");
  return [
    secret,
    secret.toUpperCase(),
    secret.toLowerCase(),
    bytes.toString("hex"),
    bytes.toString("hex").toUpperCase(),
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
    blob("x"),
    blob("xy"),
    blob("xyz"),
    encodeURIComponent(secret),
    encodeURIComponent(secret).toLowerCase(),
    `${secret.slice(0, half)}\n${secret.slice(half)}`,
    `${secret.slice(0, half)}\r\n${secret.slice(half)}`,
    [...secret].map((c) => `\x1b[3${c.charCodeAt(0) % 8}m${c}\x1b[0m`).join(""),
    `\x1b]8;;https://x.example\x07${secret.slice(0, half)}\x1b]8;;\x07${secret.slice(half)}`,
  ];
}

const FORMS = Object.values(SECRETS).map(leakForms);

/** Fails naming `where` when `text` holds either secret in any form. */
function expectNoLeak(where: string, text: string): void {
  for (const forms of FORMS) expect(findLeak(text, forms), where).toBeUndefined();
}

/** A file with every encoding of both secrets, and a shell command printing it. */
function hostileCommand(): { command: string; printed: string } {
  const dir = mkdtempSync(join(tmpdir(), "ampa-redaction-"));
  // Long enough, even redacted, for its post to go through the summarizer.
  const printed = `${Object.values(SECRETS).flatMap(encodings).join("\n")}\n${"x".repeat(1200)}\n`;
  writeFileSync(join(dir, "found.txt"), printed);
  return { command: `echo start; cat ${join(dir, "found.txt")}; echo end`, printed };
}

registerSecret(METRICS_TOKEN);
registerSecret(CANARY_TOKEN);

describe("redactSecrets: every encoding", () => {
  const cases = Object.entries(SECRETS).flatMap(([name, secret]) =>
    encodings(secret).map((form, i) => [`${name} #${i}`, form] as const),
  );
  it.each(cases)("removes %s and keeps the text around it", (_name, form) => {
    // The unredacted form is a leak, as the scan sees it (the check checks itself).
    expect(FORMS.some((forms) => findLeak(form, forms))).toBe(true);
    const out = redactSecrets(`before ${form} after`);
    expectNoLeak("redacted", out);
    expect(out).toMatch(/^before .*\*\*\*\*.* after$/s);
  });

  it("finds secrets coloured or split inside a JSON log line, and the line stays JSON", () => {
    const line = JSON.stringify({ output: encodings(CANARY_TOKEN).slice(-4).join(" | ") });
    const out = redactSecrets(line);
    expectNoLeak("log line", out);
    expect(() => JSON.parse(out)).not.toThrow();
  });

  it("finds a secret split by a break the CLI printed escaped (\\u000d\\n)", () => {
    const half = CANARY_TOKEN.length / 2;
    const printed = `${CANARY_TOKEN.slice(0, half)}\\u000d\n${CANARY_TOKEN.slice(half)}`;
    expect(redactSecrets(`a ${printed} b`)).toBe("a **** b");
  });

  it("redacts 1 MB of output with the secret at its very end", () => {
    const text = `${randomBytes(750_000).toString("base64")}\n${CANARY_TOKEN}`;
    const out = redactSecrets(text);
    expectNoLeak("1 MB", out);
    expect(out.endsWith("\n****")).toBe(true);
  });

  it("registers the process's own AWS credentials and tokens at start-up", () => {
    const env = {
      AWS_ACCESS_KEY_ID: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
      AWS_SECRET_ACCESS_KEY: randomBytes(30).toString("base64"),
      AWS_SESSION_TOKEN: randomBytes(600).toString("base64"),
      AWS_CONTAINER_AUTHORIZATION_TOKEN: randomBytes(24).toString("base64"),
    };
    const metrics = randomBytes(16).toString("hex");
    const bot = randomBytes(40).toString("base64url");
    registerProcessSecrets(
      {
        discordWebhook: undefined,
        deadLetterWebhook: undefined,
        metricsToken: metrics,
        discordBotToken: bot,
        discordButtonKey: undefined,
      },
      env,
    );
    for (const value of [...Object.values(env), metrics, bot]) {
      const out = redactSecrets(`x ${Buffer.from(value).toString("base64")} ${value} y`);
      expect(findLeak(out, leakForms(value))).toBeUndefined();
    }
  });
});

describe("cuts never keep part of a secret", () => {
  // 1024 bytes keep 480 at the head and 480 at the tail (64 are the marker's).
  const HEAD = 480;
  // eslint-disable-next-line no-control-regex -- the colour codes of `encodings`
  const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;
  const pieces = (secret: string) => [secret.slice(0, 12), secret.slice(-12)];

  it.each([
    ["as is", CANARY_TOKEN],
    ["coloured", encodings(CANARY_TOKEN).at(-2) ?? ""],
  ])("BoundedOutput: a secret (%s) across the head's and the tail's cut", (_kind, form) => {
    // Each cut falls in the middle of the secret's bytes.
    const half = Math.floor(form.length / 2);
    const out = new BoundedOutput(1024);
    out.push(Buffer.from(`${"a".repeat(HEAD - half)}${form}`));
    out.push(Buffer.from("b".repeat(20_000)));
    out.push(Buffer.from(`${form}${"c".repeat(HEAD - half)}`));
    const { text, droppedBytes } = out.result();
    expect(droppedBytes).toBeGreaterThan(19_000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    const visible = text.replace(ANSI_COLOUR, "");
    expect(visible).toMatch(/^a+\*\*\*\*b+\n… \[\d+ bytes of output dropped\] …\nb+\*\*\*\*c+$/);
    for (const piece of pieces(CANARY_TOKEN)) expect(visible).not.toContain(piece);
    expectNoLeak("cut", text);
  });

  it("truncateUtf8: a secret across the cut of a text only a little too long", () => {
    const text = `${"a".repeat(HEAD - 32)}${CANARY_TOKEN}${"b".repeat(600)}`;
    const { text: cut } = truncateUtf8(text, 1024);
    expect(cut).toContain("[");
    for (const piece of pieces(CANARY_TOKEN)) expect(cut).not.toContain(piece);
  });
});

describe("the summarizer's input", () => {
  it("is redacted before the summarizer sees it", async () => {
    const seen: string[] = [];
    const body = await summarizedBody(hostileCommand().printed + "x".repeat(1000), (text) => {
      seen.push(text);
      return Promise.resolve("summary");
    });
    expect(body).toBe("summary");
    expect(seen).toHaveLength(1);
    expectNoLeak("summarizer input", seen[0] ?? "");
  });
});

describe("end to end: no exit shows a secret", () => {
  const h = cliHarness();
  const env = () => ({ ...h.env, AMPA_METRICS_TOKEN: METRICS_TOKEN });

  it("a function run (inline dispatch): record, post and log lines", async () => {
    const { command, printed } = hostileCommand();
    await h.store.addCommand(spec("leaky", { command }), Date.now());
    const captured = capturingLogger();
    const app = createApp({ env: { ...env(), AMPA_LOAD_DOTENV: "0" }, logDestination: "stderr" });
    const { runDeps } = services(app, { log: captured.log });
    const result = await tickPass(
      tickDeps(h.store, h.t.config, { dispatch: inlineDispatch(runDeps) }),
      Date.now(),
    );
    expect(result.kind).toBe("started");
    const [run] = await h.store.listRuns("leaky");
    expect(run?.output).toContain("start");
    expect(run?.output).toContain("end");
    expect(printed.length).toBeGreaterThan(1000);
    expectNoLeak("run record", JSON.stringify(run));
    expect(h.posts()).toHaveLength(1);
    for (const post of h.posts()) expectNoLeak("post", post);
    for (const line of captured.lines()) expectNoLeak("log line", JSON.stringify(line));
    app.dynamo.destroy();
  });

  it("a webhook kept in SSM is registered before the run, so its record is redacted too", async () => {
    const ssmToken = `ssm-webhook-token-${randomBytes(12).toString("hex")}`;
    await h.store.addCommand(spec("ssm", { command: `echo ${ssmToken}` }), Date.now());
    const app = createApp({ env: { ...env(), AMPA_LOAD_DOTENV: "0" }, logDestination: "stderr" });
    // Stands in for ssm-webhook.ts, which registers the URL's token when SSM returns it.
    const webhook = () => {
      registerSecret(ssmToken);
      return Promise.resolve({ url: h.webhook.url, origin: "ssm" as const });
    };
    const { runDeps } = services({ ...app, webhook }, { log: capturingLogger().log });
    await tickPass(
      tickDeps(h.store, h.t.config, { dispatch: inlineDispatch(runDeps) }),
      Date.now(),
    );
    const [run] = await h.store.listRuns("ssm");
    expect(run?.output).toBe("****\n");
    app.dynamo.destroy();
  });

  it("a task run (a real detached worker): record, post and the worker's log", async () => {
    const { command } = hostileCommand();
    const t = await createTestTable(h.endpoint, SHORT_LEASES);
    await t.store.addCommand(spec("leaky", { command, runtime: "task" }), Date.now());
    const workersDir = workersTmpDir();
    const dispatch = testWorkerDispatch(h.endpoint, t.tableName, workersDir, {
      AMPA_DISCORD_WEBHOOK: h.webhook.url,
      AMPA_METRICS_TOKEN: METRICS_TOKEN,
    });
    const started = await tickPass(tickDeps(t.store, t.config, { dispatch }), Date.now());
    if (started.kind !== "started") throw new Error(`nothing started: ${started.kind}`);
    const worker = await workerOf(workersDir, started);
    const run = await runRecorded(t.store, "leaky", started.runId);
    await workerExit(worker);
    expect(run).toMatchObject({ runtime: "task", outcome: "success" });
    expectNoLeak("task run record", JSON.stringify(run));
    expect(h.posts()).toHaveLength(1);
    for (const post of h.posts()) expectNoLeak("task post", post);
    const log = readFileSync(join(workersDir, `${started.runId}.log`), "utf8");
    expect(log).toContain("run finished");
    expectNoLeak("worker log", log);
  });

  it("ampa run-once: its output (text and JSON), the record, the post, the summarizer", async () => {
    const { command } = hostileCommand();
    const doubles = createDoubles({});
    // The summarizer is opt-in (runtime/child-settings.ts): on, to see what it is given.
    const cliEnv = { ...env(), ...doubles.env, AMPA_SUMMARIZE_WITH_AGENT: "1" };
    await h.store.addCommand(spec("leaky", { command }), Date.now());
    const once = await runCli(["run-once", "leaky"], cliEnv);
    expect(once.code).toBe(0);
    expect(once.stdout).toContain("Run-once complete");
    const json = await runCli(["run-once", "leaky", "--json"], cliEnv);
    for (const [i, o] of [once, json].entries()) {
      expectNoLeak(`run-once #${i} stdout`, o.stdout);
      expectNoLeak(`run-once #${i} stderr`, o.stderr);
    }
    // The summarizer (the opencode double) got the long output: redacted.
    const prompts = doubles.calls().filter((c) => c.program === "opencode");
    expect(prompts.length).toBeGreaterThan(0);
    for (const p of prompts) expectNoLeak("summarizer prompt", JSON.stringify(p));
    for (const post of h.posts()) expectNoLeak("post", post);
    for (const run of await h.store.listRuns("leaky")) expectNoLeak("record", JSON.stringify(run));
  }, 120_000);

  // A record written before redaction covered every form (or imported) still holds the
  // secret: every reader's own exit redacts it. (The metrics token only: the canary in
  // a stored item would fail the suite's table scan.)
  it("list, status, export and the dashboard redact a stored record that holds a secret", async () => {
    const now = Date.now();
    await h.store.addCommand(spec("stale", { command: "true" }), now - 60_000);
    const printed = `start\n${encodings(METRICS_TOKEN).join("\n")}\nend\n`;
    await recordFinishedRun(h.store, seededRun("stale", now, 30_000, { output: printed }));
    const cliEnv = env();
    const verbs = [["list", "--json"], ["list"], ["status", "--json"], ["status"], ["export"]];
    for (const verb of verbs) {
      const o = await runCli(verb, cliEnv);
      expect(o.code, verb.join(" ")).toBe(0);
      expectNoLeak(`${verb.join(" ")} stdout`, o.stdout);
      expectNoLeak(`${verb.join(" ")} stderr`, o.stderr);
    }
    const dashboard = await startDashboardCli(cliEnv);
    try {
      const token = dashboard.token;
      for (const path of [
        `/?token=${token}`,
        `/command?${new URLSearchParams({ id: "stale", token })}`,
        `/api/snapshot?token=${token}`,
      ]) {
        const res = await fetch(`${dashboard.origin}${path}`);
        expect(res.status, path).toBe(200);
        const page = await res.text();
        expect(page, path).toContain("stale");
        expectNoLeak(`dashboard ${path}`, page);
      }
    } finally {
      await dashboard.stop();
    }
  }, 120_000);
});
